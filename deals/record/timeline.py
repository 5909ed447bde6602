"""The library over time: parameter readings and terms dated with ``as_of``.

Placeholder: replaced below in the same commit series.
"""


def library_as_of(date, names=None):
    from deals.deal.files import library_names, load

    return [load(n) for n in (names or library_names())]
