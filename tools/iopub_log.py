#!/usr/bin/python3
"""Execute a notebook on a cold tslab kernel and record every iopub message each cell produced.

A front end does not see a finished notebook: it sees the kernel's messages one by one, e.g. a
`display_data` with a display id and then `update_display_data` messages redrawing it while a
training loop runs. test/jupyterlab.test.ts replays these recordings into JupyterLab's own output
area in Chromium. nbclient (Jupyter's executor) runs the notebook; its public `process_message`
hook sees each message before nbclient folds it into the cell's outputs.

CLI: /usr/bin/python3 tools/iopub_log.py NOTEBOOK OUT.json [--timeout 300]
OUT.json: {"notebook": <the executed notebook>, "cells": [{"index", "source", "messages":
[{"msg_type", "content"}]}]} for the code cells in order. Exit 1 if a cell fails (its stderr is
printed), 2 on a usage error.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbrun import ensure_jupyter_path, load_notebook  # noqa: E402

# What the kernel says about itself, not output: a front end's output area ignores these.
NOT_OUTPUT = {'status', 'execute_input'}


class RecordingClient(NotebookClient):
    """NotebookClient that keeps a copy of every output message, per cell index."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.messages: dict[int, list[dict]] = {}

    def process_message(self, msg: dict, cell: Any, cell_index: int) -> Any:
        if msg['msg_type'] not in NOT_OUTPUT:
            self.messages.setdefault(cell_index, []).append(
                {'msg_type': msg['msg_type'], 'content': copy.deepcopy(msg['content'])})
        return super().process_message(msg, cell, cell_index)


def record(path: str, timeout: int) -> dict:
    ensure_jupyter_path()
    nb = load_notebook(path)
    client = RecordingClient(nb, timeout=timeout, kernel_name='tslab',
                             resources={'metadata': {'path': str(Path(path).resolve().parent)}})
    try:
        client.execute()
    except CellExecutionError:
        # tslab reports the error only on stderr, in the last cell that produced messages.
        i = max(client.messages, default=0)
        stderr = ''.join(m['content'].get('text', '') for m in client.messages.get(i, []) if m['content'].get('name') == 'stderr')
        print(f'{path}: cell {i + 1} failed:\n{stderr}', file=sys.stderr)
        raise SystemExit(1)
    cells = [{'index': i, 'source': c.source, 'messages': client.messages.get(i, [])}
             for i, c in enumerate(nb.cells) if c.cell_type == 'code']
    return {'notebook': json.loads(nbformat.writes(nb)), 'cells': cells}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebook')
    ap.add_argument('out')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per cell (default: 300)')
    args = ap.parse_args(argv)
    if not Path(args.notebook).is_file():
        print(f'iopub_log: no notebook at {args.notebook}', file=sys.stderr)
        return 2
    log = record(args.notebook, args.timeout)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(log))
    n = sum(len(c['messages']) for c in log['cells'])
    print(f'{args.notebook}: {len(log["cells"])} code cells, {n} output messages -> {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
