"""Tools that look at a model while it trains and say what is wrong.

`doctor(model, loss_fn, X, y, optimizer)` runs a battery of checks on copies and returns a
`DoctorReport` of `Finding`s, each with a plain-words message and a concrete fix.
`detect_anomaly()` stops at the first op that makes a NaN or Inf; `summary(model, input_size)`
tabulates layers; `graph(tensor)` gives the computation graph as Graphviz DOT text; `explain(model,
X, y)` works one training step out by hand.
"""

# doctor: checks that explain why a network does not learn (doctor, report, teaching);
# inspection: anomaly mode, layer summary, graph drawing, a training step worked out
from retrograd.diagnostics.anomaly import (
    AnomalyError,
    CallSite,
    detect_anomaly,
    is_anomaly_enabled,
)
from retrograd.diagnostics.backprop import BackpropReport, ParameterCheck, check_backprop
from retrograd.diagnostics.doctor import CHECKS, doctor
from retrograd.diagnostics.explain import ExplainError, Explanation, LayerStep, explain
from retrograd.diagnostics.graph import GraphvizError, graph, render
from retrograd.diagnostics.report import DoctorReport, Finding
from retrograd.diagnostics.summary import Summary, summary
from retrograd.diagnostics.teaching import BuggyMSEFunction, BuggyMSELoss

__all__ = [
    # --- doctor
    "CHECKS",
    "BuggyMSEFunction",
    "BuggyMSELoss",
    "DoctorReport",
    "Finding",
    "doctor",
    # --- inspection
    "AnomalyError",
    "BackpropReport",
    "CallSite",
    "ExplainError",
    "Explanation",
    "GraphvizError",
    "LayerStep",
    "ParameterCheck",
    "Summary",
    "check_backprop",
    "detect_anomaly",
    "explain",
    "graph",
    "is_anomaly_enabled",
    "render",
    "summary",
]
