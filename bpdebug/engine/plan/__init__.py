"""The plan of one iteration: every step's kind, formula and operands, once per network shape.

What a step *is* (its symbol, its formula, which earlier steps or parameters it reads)
depends only on the network's shape, so a plan is built once per shape and shared by every
trace of that shape; a trace is a plan plus one iteration's values. `planner` holds what a
plan is made of, `steps` the forward and backward plans, `update` the update's.
"""

from bpdebug.engine.plan.planner import KIND_TITLES as KIND_TITLES
from bpdebug.engine.plan.planner import PER_EXAMPLE as PER_EXAMPLE
from bpdebug.engine.plan.planner import PHASES as PHASES
from bpdebug.engine.plan.planner import OperandPlan as OperandPlan
from bpdebug.engine.plan.planner import Plan as Plan
from bpdebug.engine.plan.planner import StepPlan as StepPlan
from bpdebug.engine.plan.planner import param_symbol as param_symbol
from bpdebug.engine.plan.planner import symbol as symbol
from bpdebug.engine.plan.steps import ShapeKey as ShapeKey
from bpdebug.engine.plan.steps import plan_for as plan_for
from bpdebug.engine.plan.steps import shape_key as shape_key
