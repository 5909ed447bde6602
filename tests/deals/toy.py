"""The toy deal the file, struck-deal and record tests share, as deal-file text.

The supplier (US) gives chips in [0, 1] at a cost of 0.5 each; the partner (P) values them at
v (2.0, range [1, 3]) and pays ``pay``; both outside options are 0. :data:`TOY` is the file
with two stances per side; :func:`toy_text` varies it (the range of ``pay``, the lines of
``v``, more parameters, the supplier's utility, sections after it). Text given with
``template=True`` keeps ``{...}`` fields for ``str.format`` (its own braces doubled).

>>> import deals
>>> deal = deals.loads(TOY)
>>> (deal.name, deal.supplier, deal.partner), [i.name for i in deal.issues]
(('toy', 'US', 'P'), ['chips', 'pay'])
"""

from __future__ import annotations


def toy_text(*, name: str = "toy", title: str = "Toy", pay_range: str = "[0, 1]",
             v_lines: str = 'source = "judgement"\n', parameters: str = "",
             supplier: str = "pay - 0.5 * chips", stances: bool = True, extra: str = "") -> str:
    """The toy deal's file, varied as the arguments say (see the module docstring)."""
    text = f'''
[deal]
name = "{name}"
title = "{title}"
supplier = "US"
partner = "P"

[parameters.v]
value = 2.0
range = [1.0, 3.0]
{v_lines}{parameters}
[issues.chips]
range = [0, 1]
giver = "supplier"

[issues.pay]
range = {pay_range}
giver = "partner"

[utility]
supplier = "{supplier}"
partner = "v * chips - pay"

[outside_option]
supplier = "0"
partner = "0"
'''
    if stances:
        text += '''
[stances.supplier]
deny = { walk_away = true }
give = { chips = 1 }

[stances.partner]
pay = { pay = 0.5 }
'''
    return text + extra


#: The toy deal with two stances per side.
TOY = toy_text()
