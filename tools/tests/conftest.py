"""pytest setup: the tools are scripts, not a package, so put tools/ on the import path."""
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))
REPO = TOOLS.parent
SOURCES = REPO / 'assignments' / 'source'
