package dev.orca.nn.internal;

import dev.orca.OrcaDataException;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.ParameterSpec;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * A model's three flat native buffers: every trainable parameter, laid out node by node in the
 * order of the {@link Network}; the gradients in the same layout; and the non-trainable state
 * (BatchNorm running statistics). Layers work on views into them, so a trainer sums a whole model's
 * gradients, or copies its weights, in one call.
 */
public final class FlatParameters implements AutoCloseable {
  private final Tensor params;
  private Tensor grads;
  private final Tensor state;

  /** Zeroed buffers for {@code network}, bound to its layers. */
  public FlatParameters(Network network) {
    this.params = Tensor.zeros(network.parameterCount());
    this.grads = Tensor.zeros(network.parameterCount());
    this.state = Tensor.zeros(network.stateCount());
    network.bind(params, grads, state);
  }

  /**
   * Draws the initial weights from {@code seed}: each parameter from a stream of its own (its index
   * in the model), so the same seed gives the same weights on every JVM.
   */
  public void initialize(Network network, long seed) {
    Graph graph = network.graph();
    int paramIndex = 0;
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput()) {
        continue;
      }
      Shape[] in = network.inputShapes(i);
      int at = network.paramFrom(i);
      for (ParameterSpec spec : node.layer.parameters(in)) {
        SplittableRandom random =
            new SplittableRandom(Hash.mix(seed + 0x632be59bd9b4e019L * ++paramIndex));
        spec.initializer().fill(params.view(at, spec.shape()), spec.fanIn(), spec.fanOut(), random);
        at += spec.shape().size();
      }
      int st = network.stateFrom(i);
      for (ParameterSpec spec : node.layer.states(in)) {
        spec.initializer().fill(state.view(st, spec.shape()), 1, 1, null);
        st += spec.shape().size();
      }
    }
  }

  public int count() {
    return params.size();
  }

  /** The parameters as a tensor (a view: closing it frees nothing). */
  public Tensor parameters() {
    return params.view(0, params.shape());
  }

  public Tensor gradients() {
    return grads.view(0, grads.shape());
  }

  public Tensor state() {
    return state.view(0, state.shape());
  }

  public FloatBuffer parameterBuffer() {
    return params.asFloatBuffer();
  }

  public FloatBuffer gradientBuffer() {
    return grads.asFloatBuffer();
  }

  public FloatBuffer stateBuffer() {
    return state.asFloatBuffer();
  }

  public long parametersAddress() {
    return params.address();
  }

  public long gradientsAddress() {
    return grads.address();
  }

  /**
   * Moves the gradients into {@code target} ({@link #count()} floats from its position, direct and
   * in native order, kept alive by the caller until this is closed), e.g. memory that other
   * processes map, and hands the layers views into it. The old buffer is freed.
   */
  public void moveGradients(Network network, FloatBuffer target) {
    Tensor moved = Tensor.wrap(target, grads.shape().dims());
    moved.copyFrom(grads);
    Tensor old = grads;
    grads = moved;
    network.bind(params, grads, state);
    old.close();
  }

  /** Copies all parameters from {@code source} (from its position). */
  public void copyParametersFrom(FloatBuffer source) {
    copyInto(params, source, "parameters");
  }

  /** Copies all parameters into {@code target} at its position. */
  public void copyParametersTo(FloatBuffer target) {
    target.put(target.position(), params.data(), params.offset(), params.size());
  }

  public void copyStateFrom(FloatBuffer source) {
    copyInto(state, source, "state");
  }

  private static void copyInto(Tensor target, FloatBuffer source, String what) {
    if (source.remaining() < target.size()) {
      throw new OrcaDataException(
          "the model has "
              + target.size()
              + " "
              + what
              + " floats, the source buffer only "
              + source.remaining()
              + ": it comes from another architecture");
    }
    target.data().put(target.offset(), source, source.position(), target.size());
  }

  /** Native bytes of the three buffers. */
  public long bytes() {
    return 4L * (params.size() + grads.size() + state.size());
  }

  @Override
  public void close() {
    params.close();
    grads.close();
    state.close();
  }
}
