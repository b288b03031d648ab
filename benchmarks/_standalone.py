"""Command line of one benchmark section run alone:
``python benchmarks/<section>.py [--quick] [--out rows.json]``."""
import argparse
from typing import Callable, List, Optional

from micronet_dense.utils.atomic_io import write_json_atomic


def main(run: Callable[..., List[dict]], description: str,
         argv: Optional[List[str]] = None) -> None:
    """Parse ``--quick`` / ``--out``, print the rows of ``run`` and optionally write them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--quick', action='store_true',
                        help='smaller inputs or fewer iterations (said in each row\'s setting)')
    parser.add_argument('--out', help='also write the rows to this JSON file')
    args = parser.parse_args(argv)
    rows = run(quick=args.quick)
    for row in rows:
        print(f"{row['benchmark']:<40} {row['value']:>12.3f} {row['unit']:<10} {row['setting']}")
    if args.out:
        write_json_atomic(args.out, rows)
