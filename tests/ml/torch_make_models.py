"""Run with the converter environment's python (not imported by pytest): writes a small PyTorch
Conv1D + Linear classifier of (1, 5, 3) features (the tiny project's stats: 5 statistics × 3 axes)
as a torch.export program ``model.pt2``, the same model as ``model.onnx`` (torch.onnx.export's default exporter) and ``legacy.onnx`` (its
TorchScript-based exporter), and as TorchScript
``script.pt`` (to be refused) into the given folder."""
import sys
from pathlib import Path

import torch


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(3, 8, kernel_size=3)   # over the 5 statistics, axes as channels
        self.fc = torch.nn.Linear(8 * 3, 2)

    def forward(self, x):                                  # x: (1, 5, 3), channels last as features are
        y = torch.relu(self.conv(x.permute(0, 2, 1)))
        return torch.softmax(self.fc(y.flatten(1)), dim=-1)


def main(folder: Path) -> None:
    torch.manual_seed(0)
    model = Tiny().eval()
    example = (torch.randn(1, 5, 3),)
    torch.export.save(torch.export.export(model, example), str(folder / "model.pt2"))
    # the default exporter (torch.export-based, opset 18+), weights inside the file
    torch.onnx.export(model, example, str(folder / "model.onnx"), external_data=False)
    torch.onnx.export(model, example, str(folder / "legacy.onnx"), dynamo=False)   # the TorchScript-based one
    torch.jit.save(torch.jit.trace(model, example), str(folder / "script.pt"))   # TorchScript: refused


if __name__ == "__main__":
    main(Path(sys.argv[1]))
