"""The annual report's tables as grids of cells with their spans, the one layout both the HTML (and
so the PDF) and the Word document are drawn from: the format's merged header cells are real spans.

A grid is a list of rows; a row lists the cells that start in it (a cell spanning rows is not
repeated below), each ``{"text", "rowspan", "colspan", "head"}``. :func:`positions` places them on
the full rectangle, as Word needs.
"""

from __future__ import annotations

from typing import Any

from sentinel.disclosure.models import APPLICANT_COLUMNS, GROUPS, OUTCOMES, ApplicantType, Outcome

__all__ = ["positions", "t2_tables", "t3_grid", "t4_grid"]

Cell = dict[str, Any]
Grid = list[list[Cell]]

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _cell(text: Any, *, rowspan: int = 1, colspan: int = 1, head: bool = False) -> Cell:
    return {"text": "" if text is None else str(text), "rowspan": rowspan, "colspan": colspan, "head": head}


def _numbers(values: dict[str, Any]) -> list[Cell]:
    return [_cell(values[column]) for column in APPLICANT_COLUMNS]


def t3_grid(t3: dict[str, Any]) -> Grid:
    """Table 三: 3 label columns and 7 data columns; 3 header rows and 26 data rows."""
    grid: Grid = [
        [_cell(T3_NOTE, rowspan=3, colspan=3, head=True), _cell("申请人情况", colspan=7, head=True)],
        [_cell("自然人", rowspan=2, head=True), _cell("法人或其他组织", colspan=5, head=True),
         _cell("总计", rowspan=2, head=True)],
        [_cell(kind.name_zh, head=True) for kind in ApplicantType if kind is not ApplicantType.NATURAL_PERSON],
        [_cell("一、本年新收政府信息公开申请数量", colspan=3, head=True), *_numbers(t3["new"])],
        [_cell("二、上年结转政府信息公开申请数量", colspan=3, head=True), *_numbers(t3["carried_in"])],
    ]
    outcome_rows = len(Outcome) + 1  # and （七）总计
    first = True
    for group, label in GROUPS.items():
        members = [o for o in Outcome if o.group == group]
        for index, outcome in enumerate(members):
            row: list[Cell] = []
            if first:
                row.append(_cell("三、本年度办理结果", rowspan=outcome_rows, head=True))
                first = False
            values = t3[group] if len(members) == 1 and group in ("granted", "partial") else t3[group][
                outcome.value.split(".")[1]]
            if len(members) == 1:
                row.append(_cell(label, colspan=2, head=True))
            else:
                if index == 0:
                    row.append(_cell(label, rowspan=len(members), head=True))
                row.append(_cell(OUTCOMES[outcome].label, head=True))
            row.extend(_numbers(values))
            grid.append(row)
    grid.append([_cell("（七）总计", colspan=2, head=True), *_numbers(t3["total"])])
    grid.append([_cell("四、结转下年度继续办理", colspan=3, head=True), *_numbers(t3["carried_out"])])
    return grid


_RESULT_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
_RESULT_KEYS = ("upheld", "corrected", "other", "pending", "total")


def t4_grid(t4: dict[str, Any]) -> Grid:
    """Table 四: 15 columns, 3 header rows and one row of numbers."""
    return [
        [_cell("行政复议", colspan=5, head=True), _cell("行政诉讼", colspan=10, head=True)],
        [*(_cell(label, rowspan=2, head=True) for label in _RESULT_LABELS),
         _cell("未经复议直接起诉", colspan=5, head=True), _cell("复议后起诉", colspan=5, head=True)],
        [*(_cell(label, head=True) for label in _RESULT_LABELS), *(_cell(label, head=True) for label in _RESULT_LABELS)],
        [_cell(t4[group][key]) for group in ("review", "lit_direct", "lit_after_review") for key in _RESULT_KEYS],
    ]


def t2_tables(t2: dict[str, Any]) -> list[tuple[str, Grid]]:
    """Section 二's four sub-tables (第二十条第（一）、（五）、（六）、（八）项), each with its caption row."""
    def table(caption: str, heads: list[str], rows: list[list[Any]]) -> tuple[str, Grid]:
        grid: Grid = [[_cell(caption, colspan=len(heads), head=True)], [_cell(h, head=True) for h in heads]]
        grid += [[_cell(row[0], head=True), *(_cell(value) for value in row[1:])] for row in rows]
        return caption, grid

    made = ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    decisions = ["信息内容", "本年处理决定数量"]
    return [
        table("第二十条第（一）项", made, [
            ["规章", t2["regulations"]["made"], t2["regulations"]["repealed"], t2["regulations"]["valid"]],
            ["行政规范性文件", t2["normative_docs"]["made"], t2["normative_docs"]["repealed"],
             t2["normative_docs"]["valid"]]]),
        table("第二十条第（五）项", decisions, [["行政许可", t2["licensing"]]]),
        table("第二十条第（六）项", decisions, [["行政处罚", t2["penalty"]], ["行政强制", t2["coercion"]]]),
        table("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [["行政事业性收费", t2["fees_wan_yuan"]]]),
    ]


def positions(grid: Grid) -> list[tuple[int, int, Cell]]:
    """Each cell with the (row, column) where it starts on the full rectangle."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell["rowspan"]):
                for dc in range(cell["colspan"]):
                    taken.add((r + dr, c + dc))
            c += cell["colspan"]
    return placed


def width(grid: Grid) -> int:
    return max(c + cell["colspan"] for _, c, cell in positions(grid))
