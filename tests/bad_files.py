"""The hostile network files of tests/bad_nets/ and the one line each must get."""

# file → the problem after "bpdebug: tests/bad_nets/FILE: "
BAD_FILES = {
    "absurd_units.toml": "layers[0].units: must be between 1 and 100,000, got 100,000,000 "
    "(raise the limit with --max-units)",
    "alpha_not_leaky.toml": "layers[0].alpha: alpha applies to leaky_relu only, not tanh",
    "bce_targets_out_of_range.toml": "data.y: binary_cross_entropy targets must lie between 0 "
    "and 1",
    "binary_garbage.toml": "not UTF-8 text (byte 0x80 at offset 127)",
    "boolean_W.toml": "layers[1].W: expected a list of rows, got a boolean",
    "cross_entropy_without_softmax.toml": "layers[1].activation: cross_entropy needs a softmax "
    "output layer, got sigmoid",
    "data_count_mismatch.toml": "data.y: has 1 example; data.x has 2",
    "deeply_nested.json": "nested too deeply to be a network file",
    "empty.toml": "the file is empty",
    "empty_data.toml": "data.x: is empty",
    "empty_layers.toml": "layers: expected a list of one or more [[layers]] tables",
    "huge_weight.toml": "layers[1].W[0][1]: 1e+300 is larger than the limit of 1e+09 "
    "(raise it with --max-magnitude)",
    "inf_bias.toml": "layers[1].b[0]: must be a finite number, got inf",
    "input_size_mismatch.toml": "layers[0].W: expected 2×3 (one column per input), got 2×2",
    "latin1.toml": "not UTF-8 text (byte 0xe9 at offset 9)",
    "learning_rate_text.toml": "learning_rate: expected a number, got the text 'fast'",
    "missing_b.toml": "layers[1]: missing b",
    "missing_data.toml": "data: required key is missing",
    "missing_layers.toml": "layers: required key is missing",
    "missing_loss.toml": "loss: required key is missing",
    "misspelled_key.toml": "lerning_rate: unknown key (did you mean 'learning_rate'?); expected "
    "one of name, loss, learning_rate, seed, data, layers, optimizer",
    "nan_weight.json": "layers[0].W[0][1]: must be a finite number, got nan",
    "nan_weight.toml": "layers[1].W[0][1]: must be a finite number, got nan",
    "negative_learning_rate.toml": "learning_rate: must be above 0 and at most 1e+06, got -0.5",
    "ragged_W.toml": "layers[0].W[1]: has 1 number; row 0 has 2",
    "shape_mismatch_layer1.toml": "layers[0].W: expected 2×2 (one column per input), got 2×1",
    "shape_mismatch_layer2.toml": "layers[1].W: expected 2×2 (one column per input), got 2×3",
    "softmax_hidden.toml": "layers[0].activation: softmax is allowed on the output layer only",
    "string_weight.toml": "layers[1].W[0][1]: expected a number, got the text '0.45'",
    "syntax_error.json": "JSON syntax error at line 3, column 1: Expecting property name "
    "enclosed in double quotes",
    "syntax_error.toml": "TOML syntax error: Expected ']' at the end of a table declaration "
    "(at line 3, column 6)",
    "target_size_mismatch.toml": "data.y: each target has 3 numbers; the output layer "
    "layers[1] has 2 units",
    "too_many_examples.toml": "data.x: has 2,000 examples; the limit is 1,000 "
    "(raise it with --max-examples)",
    "top_level_list.json": "expected a table of keys at the top, got a list",
    "units_and_W.toml": "layers[0]: give either units or W and b, not both",
    "unknown_activation.toml": "layers[0].activation: unknown 'sigmoidd' (did you mean "
    "'sigmoid'?); expected one of identity, sigmoid, tanh, relu, leaky_relu, softplus, softmax",
    "unknown_loss.toml": "loss: unknown 'hinge'; expected one of quadratic, mse, "
    "binary_cross_entropy, cross_entropy",
    "wrong_b_length.toml": "layers[1].b: expected 1 number (one per unit), got 2",
}
