"""Small controls the pages share: bounded number inputs, lever controls and upload boxes.

Every number control keeps its value inside the range it is given (the schema's), so a
value the schema would refuse cannot be entered: sliders stop at their ends, and a number
typed outside its range is set back to the nearest allowed value with a note saying so.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets
import solara

from model.app.levers import Lever
from model.app.uploads import MAX_UPLOAD_BYTES


def clamped(value: float, low: float, high: float) -> float:
    """`value` moved into [low, high]."""
    return min(max(value, low), high)


@solara.component
def BoundedInt(label: str, value: solara.Reactive[int], low: int, high: int):
    """A whole-number field that only ever holds a value in [low, high]."""
    note, set_note = solara.use_state("")
    version, set_version = solara.use_state(0)

    def accept(typed: int | None) -> None:
        typed = value.value if typed is None else int(typed)
        kept = int(clamped(typed, low, high))
        value.set(kept)
        if kept != typed:
            set_note(f"{label}: allowed from {low:,} to {high:,}; set to {kept:,}")
            set_version(version + 1)  # redraw the field with the kept value
        else:
            set_note("")

    with solara.Column(gap="0px"):
        solara.InputInt(label, value=value.value, on_value=accept).key(f"{label}-{version}")
        if note:
            solara.Text(note, classes=["bounded-note"], style={"color": "#b00020"})


@solara.component
def LeverControl(lever: Lever, value: object, on_value: Callable[[object], None]):
    """A slider (or a choice) for one lever, within the lever's range."""
    if lever.choices:
        solara.Select(lever.label, values=list(lever.choices), value=value, on_value=on_value)
    elif lever.whole:
        solara.SliderInt(
            lever.label, value=int(value), min=int(lever.low), max=int(lever.high),
            step=int(lever.step), on_value=on_value, thumb_label="always",
        )  # fmt: skip
    else:
        solara.SliderFloat(
            lever.label, value=float(value), min=lever.low, max=lever.high, step=lever.step,
            on_value=on_value, thumb_label="always",
        )  # fmt: skip


@solara.component
def ScenarioUpload(on_upload: Callable[[str, bytes], None]):
    """Choose (or drop) a scenario file; `on_upload(name, bytes)` gets it, size-limited.

    The file chooser is ipywidgets' FileUpload (an <input type=file>); the drop zone is
    Solara's FileDrop, read lazily so an oversized file is refused before it is read.
    """

    def chosen(files) -> None:
        for item in files or ():
            on_upload(item["name"], bytes(item["content"]))

    def dropped(info) -> None:
        data = info["file_obj"].read(MAX_UPLOAD_BYTES + 1)
        on_upload(info["name"], data)

    with solara.Row(style={"align-items": "center"}):
        ipywidgets.FileUpload.element(
            accept=".yaml,.yml", multiple=False, description="Upload a scenario",
            on_value=chosen,
        )  # fmt: skip
        solara.FileDrop(label="... or drop a scenario file (.yaml) here", on_file=dropped)
