#!/usr/bin/env python3
"""Print the rows chosen for ``labels/facts_fresh.tsv``, to read and label by hand.

Usage::

    python scripts/pick_fresh_facts.py --data DIR [--keys] [--reposts | --weibo21]

The choice (``fresh_selection`` in ``factlabels.py``) is fixed and needs no sentinel code: rows no
older facts set holds, with an incident word (news) or a casualty word (posts), a quota per source
in SHA-1 order of the key. ``--keys`` prints the keys alone (the first column of the labels file); ``--reposts`` prints the CED reposts
chosen for ``labels/facts_cedrepost.tsv`` instead (``repost_selection``; src must be importable), and
``--weibo21`` the Weibo21 posts chosen for ``labels/facts_weibo21.tsv`` (``weibo21_selection``; needs pandas).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factlabels import fresh_selection, repost_selection, weibo21_selection


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with the shared corpora")
    parser.add_argument("--keys", action="store_true", help="print only the keys")
    chosen_set = parser.add_mutually_exclusive_group()
    chosen_set.add_argument("--reposts", action="store_true", help="the CED reposts of facts_cedrepost.tsv instead")
    chosen_set.add_argument("--weibo21", action="store_true", help="the Weibo21 posts of facts_weibo21.tsv instead")
    args = parser.parse_args(argv)
    if args.weibo21:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        chosen = [(key, "", text) for key, text in weibo21_selection(args.data)]
    elif args.reposts:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        chosen = [(key, "", text) for key, text in repost_selection(args.data)]
    else:
        chosen = fresh_selection(args.data)
    for n, (key, title, text) in enumerate(chosen, start=1):
        if args.keys:
            print(key)
        else:
            shown = f"{title} | {text}" if title and text else title or text
            print(f"[{n}] {key}\n    {' '.join(shown.split())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
