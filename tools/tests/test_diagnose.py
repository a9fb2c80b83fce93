"""nbrun.diagnose: the real diagnostic of a failed cell from tslab's stderr text."""
from nbrun import diagnose


def test_type_error_names_the_cell_line_and_message():
    source = "const a = 1;\nconst count: number = 'x';"
    stderr = "2:7 - Type 'string' is not assignable to type 'number'.\n"
    message, line, source_line = diagnose(source, stderr)
    assert message == "2:7 - Type 'string' is not assignable to type 'number'."
    assert (line, source_line) == (2, "const count: number = 'x';")


def test_type_error_line_outside_the_cell_gives_no_source_line():
    message, line, source_line = diagnose('x', "9:1 - Cannot find name 'y'.")
    assert line == 9 and source_line is None and message.startswith('9:1 - ')


def test_thrown_error_is_located_by_the_quoted_compiled_line_and_the_quote_dropped():
    source = "function f(limit: number) {\n  if (limit < 5) {\n    throw new Error('too small: ' + limit);\n  }\n}\nf(3);"
    stderr = ("evalmachine.<anonymous>:7\n    throw new Error('too small: ' + limit);\n    ^\n\n"
              "Error: too small: 3\n    at f (evalmachine.<anonymous>:7:11)\n"
              "    at Script.runInThisContext (node:vm:123:12)\n"
              "    at Object.execute (/x/node_modules/tslab/dist/executor.js:1:1)\n")
    message, line, source_line = diagnose(source, stderr)
    assert line == 3 and source_line == "    throw new Error('too small: ' + limit);"
    assert message.startswith('Error: too small: 3')
    assert 'node:vm' not in message and 'tslab/dist' not in message, 'kernel frames are trimmed'
    assert 'evalmachine.<anonymous>:7\n' not in message


def test_exports_prefix_of_compiled_code_still_matches():
    source = 'let total = 0;\ntotal = boom(total);'
    stderr = 'evalmachine.<anonymous>:3\nexports.total = boom(exports.total);\n^\n\nReferenceError: boom is not defined\n'
    _, line, source_line = diagnose(source, stderr)
    assert (line, source_line) == (2, 'total = boom(total);')


def test_empty_stderr_still_says_something():
    message, line, source_line = diagnose('x', '')
    assert message == '(the kernel reported an error without any message)'
    assert line is None and source_line is None
