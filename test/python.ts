/** The Python the tools run with, as tools/py chooses it: D2L_PYTHON, else Debian's /usr/bin/python3. */
export const PYTHON = process.env['D2L_PYTHON'] || '/usr/bin/python3';
