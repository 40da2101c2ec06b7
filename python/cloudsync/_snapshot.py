"""Snapshots of the catalog's JSON objects as Python objects, and listings fetched page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, cast

if TYPE_CHECKING:
    from .catalog import Catalog

DEFAULT_PAGE_SIZE = 100


def given(**values: Any) -> dict[str, Any]:
    """The members that were given (None: unchanged, or the library's default)."""
    return {k: v for k, v in values.items() if v is not None}


def paged(fetch: Callable[[int, int], list[Any]], first: int | None = None, skip: int = 0,
          page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Any]:
    """Items of a listing fetched page by page, only as they are consumed.

    fetch(count, offset) returns at most `count` items from `offset`;
    ``first`` (None or 0: all) bounds how many are returned after ``skip``.
    A page shorter than asked for is the last.
    """
    if page_size <= 0:
        raise ValueError("page_size must be positive")
    remaining = first or None
    offset = skip
    while remaining is None or remaining > 0:
        want = page_size if remaining is None else min(page_size, remaining)
        page = fetch(want, offset)
        yield from page
        offset += len(page)
        if remaining is not None:
            remaining -= len(page)
        if len(page) < want:
            return


def catalog_of(mixin: object) -> Catalog:
    """A Catalog mixin's self, typed as the Catalog it is part of."""
    return cast("Catalog", mixin)


class Snapshot:
    """One JSON object of the library, its FIELDS as attributes (absent -> None)."""

    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, data: dict[str, Any]) -> None:
        self._load(data)

    def _load(self, data: dict[str, Any]) -> None:
        self._data = dict(data)
        for name in self.FIELDS:
            setattr(self, name, data.get(name))

    def to_dict(self) -> dict[str, Any]:
        """The object as the library returned it."""
        return dict(self._data)


class Record(Snapshot):
    """A snapshot of an object the catalog keeps (it has an "id"); equal when the ids are."""

    def __init__(self, catalog: Catalog, data: dict[str, Any]) -> None:
        self.catalog = catalog
        super().__init__(data)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._data.get("id") == self._data.get("id")  # type: ignore

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._data.get("id")))
