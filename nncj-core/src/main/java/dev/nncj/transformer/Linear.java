package dev.nncj.transformer;

import dev.nncj.onnx.Tensor;

/**
 * y = x W + b with W stored as ONNX MatMul reads it: [in, out] row-major, so an output unit is a
 * column of W and an input unit a row. Pruning an output unit removes a column and a bias entry;
 * pruning an input unit removes a row.
 */
public record Linear(Tensor weight, Tensor bias) {
    public Linear {
        if (weight.rank() != 2 || bias.rank() != 1 || bias.dim(0) != weight.dim(1)) {
            throw new IllegalArgumentException("linear weight must be [in, out] and bias [out], got "
                    + java.util.Arrays.toString(weight.shape()) + " and " + java.util.Arrays.toString(bias.shape()));
        }
    }

    public int in() {
        return (int) weight.dim(0);
    }

    public int out() {
        return (int) weight.dim(1);
    }

    public long parameterCount() {
        return weight.numElements() + bias.numElements();
    }

    /** Keeps output units {@code columns} (in that order): W[:, columns], b[columns]. */
    public Linear keepOutputs(int[] columns) {
        float[] w = weight.toFloats();
        float[] b = bias.toFloats();
        int in = in();
        int out = out();
        float[] w2 = new float[in * columns.length];
        float[] b2 = new float[columns.length];
        for (int j = 0; j < columns.length; j++) {
            b2[j] = b[columns[j]];
            for (int i = 0; i < in; i++) {
                w2[i * columns.length + j] = w[i * out + columns[j]];
            }
        }
        return new Linear(Tensor.ofFloats(weight.name(), new long[] {in, columns.length}, w2),
                Tensor.ofFloats(bias.name(), new long[] {columns.length}, b2));
    }

    /** Keeps input units {@code rows} (in that order): W[rows, :]; the bias is unchanged. */
    public Linear keepInputs(int[] rows) {
        float[] w = weight.toFloats();
        int out = out();
        float[] w2 = new float[rows.length * out];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(w, rows[r] * out, w2, r * out, out);
        }
        return new Linear(Tensor.ofFloats(weight.name(), new long[] {rows.length, out}, w2), bias);
    }
}
