"""The plan of one iteration: every step's kind, formula and operands, once per network shape.

What a step *is* (its symbol, its formula, which earlier steps or parameters it reads)
depends only on the network's shape, so a plan is built once per shape and shared by every
trace of that shape; a trace is a plan plus one iteration's values. `planner` holds what a
plan is made of, `steps` the whole iteration's plan (`plan_for`: the layer kinds' formula
models, layers/, then the loss), `update` the update's.

Nothing is re-exported here: a layer kind imports the planner, and the plan imports the
layer kinds, so this package's own module must import neither.
"""
