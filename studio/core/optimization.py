"""Which optimization nodes apply to a float model, and whether its int8 model is up to date.

A float ``model.keras`` node runs on the device through the int8 ``.tflite`` that Optimize made
from it (its ``int8_model``). The recipe is the chain of quantize-category nodes (``quantize.prune``,
``quantize.int8``) its scores flow through; Optimize records a fingerprint of the float model and
that recipe (``int8_recipe``) and validation warns when the current one differs.
"""
from __future__ import annotations

from nodes.base import NodeContext, NodeError
from nodes.quantize import recipe_fingerprint
from studio.core.graph import Graph, Node

FLOAT_MODEL_TYPE = "model.keras"


def _category(node: Node) -> str:
    try:
        return node.spec.category
    except NodeError:
        return ""


def optimization_steps(graph: Graph, model_id: str) -> list[Node]:
    """The quantize-category nodes the model's scores pass through, in order (a chain: it stops
    where the scores go to anything else or to several nodes)."""
    steps: list[Node] = []
    current = model_id
    while True:
        nxt = [graph.node(e.dst) for e in graph.edges_from(current) if graph.has_node(e.dst)]
        nxt = [n for n in nxt if _category(n) == "quantize"]
        if len(nxt) != 1 or any(n.id == nxt[0].id for n in steps):
            return steps
        steps.append(nxt[0])
        current = nxt[0].id


def current_recipe(graph: Graph, model: Node, ctx: NodeContext) -> str:
    """The fingerprint of the model node's float file and its optimization steps as they are now.
    NodeError when the float model file cannot be read or a step's properties are invalid."""
    p = model.spec.check_props(model.props)
    float_sha = model.spec().float_sha256(p, ctx)
    steps = [(n.type_id, n.spec.check_props(n.props)) for n in optimization_steps(graph, model.id)]
    return recipe_fingerprint(float_sha, steps)


def stale_int8_models(graph: Graph, ctx: NodeContext) -> list[tuple[str, str]]:
    """(node id, message) of each float model node whose int8 model was made from another float
    model or other optimization settings than the current ones."""
    out = []
    for node in graph.nodes:
        if node.type_id != FLOAT_MODEL_TYPE or not node.props.get("int8_model"):
            continue
        recorded = node.props.get("int8_recipe", "")
        try:
            now = current_recipe(graph, node, ctx)
        except NodeError:
            continue  # the node itself reports an unreadable file or bad property
        if recorded != now:
            why = ("was not made by Optimize from this float model" if not recorded else
                   "was made from another float model or other pruning/quantization settings")
            out.append((node.id, f"int8_model '{node.props['int8_model']}' {why}: the device would run "
                                 "a model other than this pipeline describes; run Optimize again"))
    return out


def device_source(graph: Graph, node_id: str, port: str) -> tuple[str, str]:
    """The (node, port) that makes these values on the device: optimization nodes (quantize
    category) pass the model's scores through unchanged, so the firmware reads the model's."""
    seen: set[str] = set()
    while graph.has_node(node_id) and _category(graph.node(node_id)) == "quantize" and node_id not in seen:
        seen.add(node_id)
        feeding = graph.edges_into(node_id)
        if len(feeding) != 1:
            break
        node_id, port = feeding[0].src, feeding[0].src_port
    return node_id, port


# Output nodes the firmware drives from its one result per inference (the inference line, alerts).
REPORTING_OUTPUTS = ("outputs.serial", "outputs.threshold_alert")


def reported_sources(graph: Graph) -> dict[tuple[str, str], list[str]]:
    """(node, port) whose scores the reporting output nodes read, on the device (through the
    optimization nodes), with the output nodes reading each. More than one key means the outputs
    disagree about what the firmware's single result is."""
    feeding: dict[tuple[str, str], list[str]] = {}
    for node in graph.nodes:
        if node.type_id in REPORTING_OUTPUTS:
            for e in graph.edges_into(node.id):
                feeding.setdefault(device_source(graph, e.src, e.src_port), []).append(node.id)
    return feeding


def disagreeing_outputs_message(feeding: dict[tuple[str, str], list[str]]) -> str | None:
    if len(feeding) <= 1:
        return None
    shown = "; ".join(f"{', '.join(dst)} read '{src}.{port}'" for (src, port), dst in feeding.items())
    return (f"the firmware reports one result per inference, but the outputs read different scores "
            f"({shown}); connect the serial and alert nodes to the same node")
