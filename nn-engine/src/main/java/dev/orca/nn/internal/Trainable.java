package dev.orca.nn.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Engine;
import dev.orca.nn.GradientReadyListener;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;

/**
 * What a training step works on: the network, its one training {@link Pass}, the flat buffers, the
 * engine, and the seeds of the random draws (Dropout) of each training forward. A model has one;
 * its training calls (forward, backward, steps) belong to one thread at a time.
 *
 * <p>Seeds: by default a training forward's seed is derived from the model seed and a step counter;
 * a trainer that must agree with other workers sets it per step ({@link #setStepSeed}).
 */
public final class Trainable implements AutoCloseable {
  private final Network network;
  private final Engine engine;
  private final FlatParameters buffers;
  private final Pass pass;
  private final long seed;
  private final int outputNode;
  private final Shape outputShape;
  private long steps;
  private long nextSeed;
  private boolean seedSet;
  private boolean inputGradients;

  /** What the optimizer updates: the parameter ranges of the layers that are not frozen. */
  private int[] trainableRanges;

  public Trainable(Network network, Engine engine, FlatParameters buffers, long seed) {
    this.network = network;
    this.engine = engine;
    this.buffers = buffers;
    this.seed = seed;
    this.pass = network.newPass(engine);
    this.outputNode = network.graph().outputs[0];
    this.outputShape = network.graph().nodes[outputNode].shape;
    this.trainableRanges = network.trainableRanges();
  }

  /**
   * The parameter ranges the optimizer updates ({@code from0, to0, ...}); see {@link #refreeze}.
   */
  public int[] trainableRanges() {
    return trainableRanges;
  }

  /**
   * After layers were frozen or unfrozen: recomputes what trains, and zeroes the gradients of the
   * frozen layers, which backward no longer writes (so a sum over workers or a norm sees zeros).
   */
  public void refreeze() {
    trainableRanges = network.trainableRanges();
    Tensor grads = buffers.gradients();
    int from = 0;
    for (int k = 0; k <= trainableRanges.length; k += 2) {
      int to = k < trainableRanges.length ? trainableRanges[k] : grads.size();
      for (int i = from; i < to; i++) {
        grads.data().put(grads.offset() + i, 0f);
      }
      from = k + 1 < trainableRanges.length ? trainableRanges[k + 1] : to;
    }
  }

  public Engine engine() {
    return engine;
  }

  public FlatParameters buffers() {
    return buffers;
  }

  public Network network() {
    return network;
  }

  public long seed() {
    return seed;
  }

  /** Runs the model; the outputs belong to the pass and stay valid until its next forward. */
  public Tensor[] forward(boolean training, Tensor[] inputs) {
    long s = 0;
    if (training) {
      s = seedSet ? nextSeed : Hash.mix(seed ^ Hash.mix(steps));
      seedSet = false;
      steps++;
    }
    return network.forward(pass, inputs, training, s);
  }

  /**
   * Backward from the outputs' gradients into the flat gradient buffer; tells {@code listener} each
   * finished range.
   */
  public void backward(GradientReadyListener listener, Tensor[] gradOutputs) {
    network.backward(pass, gradOutputs, listener, inputGradients);
  }

  /** The reusable buffer for the loss gradient of the first output, for {@code batch} rows. */
  public Tensor lossGradient(int batch) {
    return pass.buffer(outputNode, Network.LOSS, batch, outputShape);
  }

  public void setStepSeed(long stepSeed) {
    this.nextSeed = stepSeed;
    this.seedSet = true;
  }

  public void computeInputGradients(boolean on) {
    this.inputGradients = on;
  }

  public Tensor inputGradient(int k) {
    if (!inputGradients) {
      throw new OrcaConfigurationException(
          "input gradients are off: call computeInputGradients(true) before backward");
    }
    return network.inputGradient(pass, k);
  }

  /** Native bytes of the training workspace. */
  public long workspaceBytes() {
    return pass.workspace().bytes();
  }

  @Override
  public void close() {
    pass.close();
  }
}
