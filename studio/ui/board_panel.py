"""The board selector with the chosen board's key figures (CPU, clock, RAM and flash budgets), the
battery the energy estimate runs on (a project setting) and that estimate: awake share, average
current, battery life (``studio.core.energy``)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from studio.core.boards import Board, boards
from studio.core.energy import BATTERIES, EnergyEstimate
from studio.core.errors import BoardError


class BoardPanel(QWidget):
    board_chosen = Signal(str)
    battery_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        form = QFormLayout(self)
        self.combo = QComboBox()
        for b in boards().all():
            self.combo.addItem(f"{b.name}{'  (emulated)' if b.emulated else ''}", b.id)
        form.addRow("Board", self.combo)
        self.figures: dict[str, QLabel] = {}
        for key in ("cpu", "clock", "ram", "flash", "fpu"):
            self.figures[key] = QLabel("")
            # a long message (an unknown board lists the known ones) wraps instead of widening the window
            self.figures[key].setWordWrap(True)
            form.addRow({"cpu": "CPU", "clock": "Clock", "ram": "RAM budget", "flash": "Flash budget",
                         "fpu": "FPU / DSP"}[key], self.figures[key])
        self.combo.activated.connect(lambda i: self.board_chosen.emit(self.combo.itemData(i)))
        self.battery = QComboBox()
        for b in BATTERIES.values():
            self.battery.addItem(f"{b.name} ({b.voltage_mv / 1000:g} V, {b.capacity_mah:,} mAh)", b.name)
        form.addRow("Battery", self.battery)
        self.energy = QLabel("")
        self.energy.setWordWrap(True)
        form.addRow("Energy", self.energy)
        self.battery.activated.connect(lambda i: self.battery_chosen.emit(self.battery.itemData(i)))

    def show_battery(self, name: str) -> None:
        i = self.battery.findData(name)
        was = self.battery.blockSignals(True)
        if i < 0:
            # a project naming a battery we do not know: shown as such (validation warns about it)
            self.battery.addItem(f"unknown battery '{name}'", name)
            i = self.battery.count() - 1
        self.battery.setCurrentIndex(i)
        self.battery.blockSignals(was)

    def show_energy(self, energy: EnergyEstimate | None) -> None:
        """The latest report's estimate; None (no window rate) clears it."""
        if energy is None:
            self.energy.setText("")
            return
        self.energy.setText(f"awake {energy.duty_cycle:.1%}, average {energy.average_current_ua / 1000:.3f} mA: "
                            f"about {energy.life_text} on a {energy.battery.name}")

    def show_board(self, board_id: str) -> None:
        i = self.combo.findData(board_id)
        was = self.combo.blockSignals(True)
        if i < 0:
            self.combo.addItem(f"unknown board '{board_id}'", board_id)
            i = self.combo.count() - 1
        self.combo.setCurrentIndex(i)
        self.combo.blockSignals(was)
        try:
            b: Board = boards().get(board_id)
        except BoardError as e:
            for label in self.figures.values():
                label.setText("")
            self.figures["cpu"].setText(e.message)
            return
        self.figures["cpu"].setText(f"{b.cpu} ({b.mcu})")
        self.figures["clock"].setText(f"{b.clock_hz / 1e6:g} MHz")
        self.figures["ram"].setText(f"{b.ram_budget_bytes / 1024:.0f} KiB of {b.ram_bytes / 1024:.0f} KiB")
        self.figures["flash"].setText(f"{b.flash_budget_bytes / 1024:.0f} KiB of {b.flash_bytes / 1024:.0f} KiB")
        self.figures["fpu"].setText(f"{'FPU' if b.fpu else 'no FPU'}, {'DSP/SIMD' if b.dsp_simd else 'no DSP'}")
