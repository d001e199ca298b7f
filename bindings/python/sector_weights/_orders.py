"""An order table read against a :class:`~sector_weights.holdings.Holdings`: its codes in the
holdings' result order, the funds with orders, and one library call for them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict

import numpy as np

from . import SectorWeightsError, Status, evaluate_orders
from ._rows import Rows, check_na, missing_rows, plural, read_labels, some
from ._table import Codes, Table

if TYPE_CHECKING:
    from .holdings import Holdings

__all__ = ["OrderTable"]


class OrderTable:
    """One order table read against a Holdings: codes in the holdings' result order, the funds
    with orders, and the library call for them."""

    def __init__(
        self,
        h: "Holdings",
        orders: Any,
        portfolio: Any,
        sector: Any,
        value: Any,
        na: str,
        exact: bool = False,
    ) -> None:
        check_na(na)
        names = tuple(
            n if n is not None else d for n, d in zip((portfolio, sector, value), h._names)
        )
        t = Table(orders, "orders")
        p, s, v = read_labels(t, names[0]), read_labels(t, names[1]), t.floats(names[2])
        bad = missing_rows([p.codes, s.codes], [v])
        kept = None
        if bad.any():
            if na == "raise":
                for codes, name in ((p.codes, names[0]), (s.codes, names[1])):
                    if codes.dtype.kind == "i" and np.any(codes < 0):
                        raise Rows(t, None).missing(codes < 0, name, "label")
                raise Rows(t, None).missing(~np.isfinite(v), names[2], "value")
            kept = np.flatnonzero(~bad)
            p, s, v = (
                Codes(p.codes[kept], p.labels, False),
                Codes(s.codes[kept], s.labels, False),
                v[kept],
            )
        self.dropped = 0 if kept is None else t.num_rows - kept.size
        rows = Rows(t, kept)
        axes = h._axes
        self.op = self._map(p, axes.p_index, "portfolio", names[0], rows)
        self.os = self._map(s, axes.s_index, "sector", names[1], rows)
        self.v = v
        P = len(axes.portfolios)
        self.counts = np.bincount(self.op, minlength=P)
        self.funds = np.flatnonzero(self.counts)
        gross = np.bincount(self.op, weights=np.abs(v), minlength=P)
        if exact:  # the exact pro-forma totals (see _exact)
            proforma = h._proforma_totals(v.astype(np.float64, copy=False), self.op)
        else:
            proforma = h._totals + np.bincount(self.op, weights=v, minlength=P)
        for i in self.funds:
            if gross[i] == 0:
                first = int(np.argmax(self.op == i))
                raise SectorWeightsError(
                    Status.ERROR_ZERO_TOTAL,
                    f"the orders of portfolio {axes.portfolios[i]!r} all have {names[2]!r} 0 "
                    f"(first at {rows.name(first)}): their mix is undefined",
                )
            if proforma[i] == 0:
                raise SectorWeightsError(
                    Status.ERROR_ZERO_TOTAL,
                    f"the orders of portfolio {axes.portfolios[i]!r} sell its whole value "
                    f"(pro-forma total 0): its weights after them are undefined",
                )
        self.h, self.rows = h, rows

    @staticmethod
    def _map(codes: Codes, index: Dict[Any, int], what: str, column: Any, rows: Rows) -> np.ndarray:
        """The orders' codes as holdings result positions; unknown labels named with rows."""
        table = np.array([index.get(x, -1) for x in codes.labels], dtype=np.intp)
        if table.size == 0:
            return np.zeros(0, dtype=np.intp)
        mapped = table[codes.codes]
        if np.any(mapped < 0):
            bad = mapped < 0
            first = int(np.argmax(bad))
            label = codes.labels[int(codes.codes[first])]
            unknown = sorted({codes.labels[int(c)] for c in np.unique(codes.codes[bad])}, key=repr)
            others = f"; unknown {what}s: {some(unknown)}" if len(unknown) > 1 else ""
            extra = (
                " (pass sectors= to Holdings to allow a sector no holding has)"
                if what == "sector"
                else ""
            )
            n = int(np.count_nonzero(codes.codes == codes.codes[first]))
            raise SectorWeightsError(
                Status.ERROR_INVALID_ARGUMENT,
                f"{what} {label!r} (column {column!r}) of {plural(n, 'order')} is not in the "
                f"holdings{extra}: first at {rows.name(first)}{others}",
            )
        return mapped

    def evaluate(self) -> Any:
        """sw.evaluate_orders for the funds with orders: each fund's holdings enter as its
        per-sector sums (one pseudo-holding per sector), its orders sorted by fund."""
        h, funds = self.h, self.funds
        S = len(h._axes.sectors)
        # Orders grouped by fund, keeping their order within a fund: a stable sort of small
        # integers (numpy sorts 8 and 16-bit keys by radix, in one pass).
        key = np.int16 if funds.size <= np.iinfo(np.int16).max else np.intp
        position = np.full(len(h._axes.portfolios), -1, dtype=key)
        position[funds] = np.arange(funds.size, dtype=key)
        order = np.argsort(position[self.op], kind="stable")
        order_offsets = np.zeros(funds.size + 1, dtype=np.int64)
        np.cumsum(self.counts[funds], out=order_offsets[1:])
        try:
            return evaluate_orders(
                np.ascontiguousarray(h._sum[funds]).reshape(-1),
                np.tile(np.arange(S, dtype=np.int32), funds.size),
                self.v[order].astype(np.float64, copy=False),
                self.os[order].astype(np.int32),
                S,
                portfolio_offsets=np.arange(funds.size + 1, dtype=np.int64) * S,
                order_offsets=order_offsets,
            )
        except SectorWeightsError as e:  # name the funds, not positions in the call's arrays
            labels = h._axes.portfolios

            def fund(m: re.Match[str]) -> str:
                return f"{m.group(0)} (portfolio {labels[int(funds[int(m.group(2))])]!r})"

            raise SectorWeightsError(
                e.status, re.sub(r"(order list|portfolio) (\d+)", fund, e.message)
            ) from None
