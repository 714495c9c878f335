package dev.nncj.transformer;

/** y = act(x W1 + b1) W2 + b2; neuron i is column i of W1 (and b1[i]) and row i of W2. */
public record FeedForwardSpec(Linear up, Linear down, Activation activation) {
    public FeedForwardSpec {
        if (up.out() != down.in()) {
            throw new IllegalArgumentException("FFN widths differ: " + up.out() + " vs " + down.in());
        }
    }

    public int width() {
        return up.out();
    }

    public long parameterCount() {
        return up.parameterCount() + down.parameterCount();
    }

    /** Keeps neurons {@code kept} (in that order). */
    public FeedForwardSpec keepNeurons(int[] kept) {
        return new FeedForwardSpec(up.keepOutputs(kept), down.keepInputs(kept), activation);
    }
}
