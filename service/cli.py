"""Rasa's command line with this project's patches installed: the one entry point.

`python -m service.cli run ...` is `rasa run ...` after `service.rasa_patches.install()`;
`make run`, `shell`, `train`, `test-stories` and `eval` all start Rasa this way, and the tests
install the same patches (tests/conftest.py), so every process runs the same Rasa.
`RASA_PATCHES_OFF=all` (or a list of names) runs Rasa's own code instead.
"""

from __future__ import annotations

from service import quiet, rasa_patches


def main() -> None:
    quiet.library_warnings()
    quiet.for_rasa()
    rasa_patches.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
