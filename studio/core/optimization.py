"""Which optimization nodes apply to a float model, and whether its int8 model is up to date.

A float ``model.keras`` node runs on the device through the int8 ``.tflite`` that Optimize made
from it (its ``int8_model``). The recipe is the chain of quantize-category nodes (``quantize.prune``,
``quantize.int8``) its scores flow through; Optimize records a fingerprint of the float model and
that recipe (``int8_recipe``) and validation warns when the current one differs.
"""
from __future__ import annotations

from nodes.base import NodeContext, NodeError, Role
from nodes.quantize import recipe_fingerprint
from studio.core.graph import Graph, Node
from studio.core.plan import device_source, disagreeing_outputs_message, reported_sources  # noqa: F401  (their home)



def _role(node: Node) -> Role | None:
    try:
        return node.spec.role
    except NodeError:
        return None


def is_float_model(node: Node) -> bool:
    """A float model node: it records the int8 model Optimize made from it and that recipe."""
    try:
        return _role(node) is Role.MODEL and any(p.name == "int8_recipe" for p in node.spec.params)
    except NodeError:
        return False


def optimization_steps(graph: Graph, model_id: str) -> list[Node]:
    """The quantize-category nodes the model's scores pass through, in order (a chain: it stops
    where the scores go to anything else or to several nodes)."""
    steps: list[Node] = []
    current = model_id
    while True:
        nxt = [graph.node(e.dst) for e in graph.edges_from(current) if graph.has_node(e.dst)]
        nxt = [n for n in nxt if _role(n) is Role.PASS_THROUGH]
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
        if not is_float_model(node) or not node.props.get("int8_model"):
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


