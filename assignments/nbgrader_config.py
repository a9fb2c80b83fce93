# nbgrader configuration for the TypeScript (tslab) assignments in source/.
# Run nbgrader from this folder (nbgrader generate_assignment / autograde) to use the sources directly.
c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.source_directory = 'source'
c.CourseDirectory.release_directory = 'release'

# The stub nbgrader puts where a solution region was; keyed by the kernel's language ("typescript").
# tools/nbgrader_meta.py NBGRADER_STUB must stay equal to it (a unit test checks).
c.ClearSolutions.code_stub = {
    'python': '# YOUR CODE HERE\nraise NotImplementedError()',
    'typescript': "// YOUR CODE HERE\nthrow new Error('Not implemented');",
}
c.ClearSolutions.begin_solution_delimeter = '// BEGIN SOLUTION'
c.ClearSolutions.end_solution_delimeter = '// END SOLUTION'
c.ClearHiddenTests.begin_test_delimeter = '// BEGIN HIDDEN TESTS'
c.ClearHiddenTests.end_test_delimeter = '// END HIDDEN TESTS'

# A test cell runs for at most this long (as npm run grade's --timeout).
c.ExecutePreprocessor.timeout = 60
