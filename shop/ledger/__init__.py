"""The ledger (账本): the append-only journal, hash-chained per village, with its postings of
points and goods; `verify` proves the chain and every cached balance, `export` writes it out
for checking elsewhere.
"""

from shop.ledger.chain import (
    GENESIS,
    Appended,
    Move,
    Posting,
    append,
    canonical,
    chain_hash,
    ensure_head,
    format_ts,
    head,
)

__all__ = [
    "GENESIS",
    "format_ts",
    "canonical",
    "chain_hash",
    "Appended",
    "Posting",
    "Move",
    "ensure_head",
    "append",
    "head",
]
