package dev.orca.nn;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.nn.internal.FitLoop;
import dev.orca.nn.internal.Graph;
import dev.orca.nn.internal.Hash;
import dev.orca.nn.internal.Network;
import dev.orca.nn.internal.Pass;
import dev.orca.nn.io.ModelFile;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.ParameterSpec;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Optimizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A built network with its weights: made by {@link Sequential} or {@link GraphModel}, or read
 * from a model file with {@link #load(InputStream)}.
 *
 * <p><b>Flat buffers.</b> All trainable parameters live in one contiguous native buffer and all
 * gradients in another, laid out layer by layer in the order of the model; each layer works on
 * views into them. {@link #parameters()} and {@link #gradients()} expose them as direct
 * native-order {@link FloatBuffer}s (with {@link #parametersAddress()} and
 * {@link #gradientsAddress()}), so a trainer sums a whole model's gradients across workers in one
 * call and copies a whole model's weights in one call ({@link #copyParametersFrom(FloatBuffer)}).
 * Non-trainable state (BatchNorm running statistics) lives in a third buffer, {@link #state()}.
 *
 * <p><b>A training step in pieces.</b> {@link #forward(boolean, Tensor...)} with
 * {@code training = true}, a {@link Loss} for the value and the output gradient,
 * {@link #backward(GradientReadyListener, Tensor...)} to fill the gradient buffer (telling the
 * listener which ranges are final as it goes, later layers first), then
 * {@link Optimizer#step(Engine, Tensor, Tensor)} over {@link #parameterTensor()} and
 * {@link #gradientTensor()}. Or all of it: {@link #compile} then {@link #trainStep} or
 * {@link #fit}.
 *
 * <p><b>Threads.</b> Training calls (forward, backward, trainStep, fit) belong to one thread at a
 * time. {@link #predict(Tensor...)} may be called from many threads at once: each call borrows
 * its own workspace.
 *
 * <p><b>Determinism.</b> The same seed gives the same initial weights on every JVM. Dropout masks
 * depend on a per-step seed: by default derived from the model seed and a step counter, or set
 * by the trainer with {@link #setStepSeed(long)}.
 *
 * <p>A model owns native memory: close it (idempotent).
 */
public final class Model implements AutoCloseable {
  private final Graph graph;
  private final Network network;
  private final Engine engine;
  private final long seed;
  private final Tensor params;
  private final Tensor grads;
  private final Tensor state;
  private final Pass trainingPass;
  /** Workspaces of finished predict calls, for the next ones: a stack under a lock (no allocation per call). */
  private final Object idleLock = new Object();
  private Pass[] idle = new Pass[4];
  private int idleCount;
  private volatile boolean closed;
  /** Predict calls running now: close waits for them before it frees the memory they read. */
  private final java.util.concurrent.atomic.AtomicInteger predicting = new java.util.concurrent.atomic.AtomicInteger();
  private long steps;
  private long nextSeed;
  private boolean seedSet;
  private boolean inputGradients;
  private FitLoop training;
  /** Reused by the one-input calls of the training thread, so that a step allocates nothing. */
  private final Tensor[] oneInput = new Tensor[1];

  /** Builds a model for {@code graph}; with {@code initialize}, draws its weights from {@code seed}. */
  Model(Graph graph, Engine engine, long seed, boolean initialize) {
    this.graph = graph;
    this.network = new Network(graph);
    this.engine = engine;
    this.seed = seed;
    this.params = Tensor.zeros(network.parameterCount());
    this.grads = Tensor.zeros(network.parameterCount());
    this.state = Tensor.zeros(network.stateCount());
    network.bind(params, grads, state);
    if (initialize) {
      initialize();
    }
    this.trainingPass = network.newPass(engine);
  }

  /** Not API (for the model file reader): a model of this architecture, weights to be filled in. */
  public static Model ofArchitecture(Graph graph, Engine engine, long seed) {
    return new Model(graph, engine, seed, false);
  }

  private void initialize() {
    int paramIndex = 0;
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput()) {
        continue;
      }
      Shape[] in = network.inputShapes(i);
      int at = network.paramFrom(i);
      for (ParameterSpec spec : node.layer.parameters(in)) {
        SplittableRandom random = new SplittableRandom(Hash.mix(seed + 0x632be59bd9b4e019L * ++paramIndex));
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

  // ---- forward and backward -------------------------------------------------------------

  /**
   * Runs the model on a batch ({@code inputs} in the order the model declared them). The returned
   * tensors belong to the model and stay valid until the next forward; a following
   * {@link #backward} uses what this call left in the workspace.
   */
  public Tensor[] forward(boolean training, Tensor... inputs) {
    checkOpen();
    long s = 0;
    if (training) {
      s = seedSet ? nextSeed : Hash.mix(seed ^ Hash.mix(steps));
      seedSet = false;
      steps++;
    }
    return network.forward(trainingPass, inputs, training, s);
  }

  /** {@link #forward(boolean, Tensor...)} for a model with one input and one output. */
  public Tensor forward(Tensor input, boolean training) {
    oneInput[0] = input;
    try {
      return forward(training, oneInput)[0];
    } finally {
      oneInput[0] = null;
    }
  }

  /** Backward from the gradients of the outputs; overwrites {@link #gradients()}. */
  public void backward(Tensor... gradOutputs) {
    backward(null, gradOutputs);
  }

  /** Backward that reports each finished range of the gradient buffer to {@code listener}. */
  public void backward(GradientReadyListener listener, Tensor... gradOutputs) {
    checkOpen();
    network.backward(trainingPass, gradOutputs, listener, inputGradients);
  }

  /** Whether backward also computes the gradients of the model inputs (off by default: it costs a GEMM). */
  public Model computeInputGradients(boolean on) {
    this.inputGradients = on;
    return this;
  }

  /** The gradient of input {@code k} from the last backward (needs {@link #computeInputGradients}). */
  public Tensor inputGradient(int k) {
    if (!inputGradients) {
      throw new OrcaConfigurationException("input gradients are off: call computeInputGradients(true) before backward");
    }
    return network.inputGradient(trainingPass, k);
  }

  /** The seed of the next training forward's random draws (Dropout), e.g. the global step. */
  public void setStepSeed(long stepSeed) {
    this.nextSeed = stepSeed;
    this.seedSet = true;
  }

  // ---- inference ------------------------------------------------------------------------

  /**
   * Inference on a batch, safe to call from many threads at once. Returns a new tensor (the
   * first output) that the caller closes.
   */
  public Tensor predict(Tensor... inputs) {
    Pass pass = borrow();
    try {
      Tensor out = network.forward(pass, inputs, false, 0)[0];
      return Tensor.zeros(out.shape()).copyFrom(out);
    } finally {
      release(pass);
    }
  }

  /** Inference into a caller's tensor (no allocation once warm), safe from many threads. */
  public void predictInto(Tensor input, Tensor output) {
    Pass pass = borrow();
    try {
      Tensor out = network.forward(pass, input, false, 0)[0];
      if (!out.shape().equals(output.shape())) {
        throw new OrcaDataException("the output tensor has shape " + output.shape() + ", the model gives " + out.shape());
      }
      output.copyFrom(out);
    } finally {
      release(pass);
    }
  }

  private Pass borrow() {
    predicting.incrementAndGet();
    if (closed) {
      predicting.decrementAndGet();
      checkOpen();
    }
    Pass p = null;
    synchronized (idleLock) {
      if (idleCount > 0) {
        p = idle[--idleCount];
        idle[idleCount] = null;
      }
    }
    try {
      return p != null ? p : network.newPass(engine);
    } catch (RuntimeException | Error e) {
      predicting.decrementAndGet();
      throw e;
    }
  }

  private void release(Pass pass) {
    synchronized (idleLock) {
      if (idleCount == idle.length) {
        idle = java.util.Arrays.copyOf(idle, 2 * idle.length);
      }
      idle[idleCount++] = pass;
    }
    predicting.decrementAndGet();
  }

  // ---- flat buffers -----------------------------------------------------------------------

  public int parameterCount() {
    return network.parameterCount();
  }

  /** All trainable parameters: a direct native-order buffer over the model's memory (not a copy). */
  public FloatBuffer parameters() {
    return params.asFloatBuffer();
  }

  /** All gradients, laid out like {@link #parameters()}: a view, not a copy. */
  public FloatBuffer gradients() {
    return grads.asFloatBuffer();
  }

  /** Non-trainable state (BatchNorm running statistics): a view, not a copy. */
  public FloatBuffer state() {
    return state.asFloatBuffer();
  }

  public long parametersAddress() {
    return params.address();
  }

  public long gradientsAddress() {
    return grads.address();
  }

  /** The flat parameter buffer as a tensor (a view owned by the model). */
  public Tensor parameterTensor() {
    return params.view(0, params.shape());
  }

  /** The flat gradient buffer as a tensor (a view owned by the model). */
  public Tensor gradientTensor() {
    return grads.view(0, grads.shape());
  }

  /** The flat state buffer as a tensor (a view owned by the model). */
  public Tensor stateTensor() {
    return state.view(0, state.shape());
  }

  /** Copies all parameters from {@code source} (from its position, {@link #parameterCount()} floats). */
  public void copyParametersFrom(FloatBuffer source) {
    copyInto(params, source, "parameters");
  }

  /** Copies all parameters into {@code target} at its position. */
  public void copyParametersTo(FloatBuffer target) {
    checkOpen();
    target.put(target.position(), params.data(), params.offset(), params.size());
  }

  /** Copies the non-trainable state from {@code source}. */
  public void copyStateFrom(FloatBuffer source) {
    copyInto(state, source, "state");
  }

  private void copyInto(Tensor target, FloatBuffer source, String what) {
    checkOpen();
    if (source.remaining() < target.size()) {
      throw new OrcaDataException("the model has " + target.size() + " " + what + " floats, the source buffer only "
          + source.remaining() + ": it comes from another architecture");
    }
    target.data().put(target.offset(), source, source.position(), target.size());
  }

  // ---- description ----------------------------------------------------------------------

  public Engine engine() {
    return engine;
  }

  public long seed() {
    return seed;
  }

  /** Not API (for the model file and the training loop): the architecture. */
  public Graph graph() {
    return graph;
  }

  /** Per-sample shapes of the inputs, in order. */
  public Shape[] inputShapes() {
    Shape[] s = new Shape[graph.inputs.length];
    for (int k = 0; k < s.length; k++) {
      s[k] = graph.nodes[graph.inputs[k]].shape;
    }
    return s;
  }

  /** Per-sample shapes of the outputs, in order. */
  public Shape[] outputShapes() {
    Shape[] s = new Shape[graph.outputs.length];
    for (int k = 0; k < s.length; k++) {
      s[k] = graph.nodes[graph.outputs[k]].shape;
    }
    return s;
  }

  /** A Keras-style table of layers, output shapes and parameter counts. */
  public String summary() {
    return Summary.of(graph, network, engine);
  }

  // ---- training -----------------------------------------------------------------------

  /** Sets the optimizer, loss and metrics for {@link #trainStep}, {@link #fit} and {@link #evaluate}. */
  public Model compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    checkOpen();
    if (training != null) {
      training.close();
    }
    training = new FitLoop(this, optimizer, loss, List.of(metrics));
    return this;
  }

  /** One step on one batch: forward, loss, backward, optimizer step. Returns the loss. */
  public double trainStep(Tensor x, Tensor y) {
    FitLoop loop = compiled();
    oneInput[0] = x;
    try {
      return loop.trainStep(oneInput, y);
    } finally {
      oneInput[0] = null;
    }
  }

  /** One step with several inputs. */
  public double trainStep(Tensor[] xs, Tensor y) {
    return compiled().trainStep(xs, y);
  }

  /** Trains for {@code epochs} over {@code (x, y)} in shuffled mini-batches. */
  public History fit(Tensor x, Tensor y, int batchSize, int epochs) {
    return compiled().fit(new Tensor[] {x}, y, batchSize, epochs);
  }

  /** Trains a model with several inputs. */
  public History fit(Tensor[] xs, Tensor y, int batchSize, int epochs) {
    return compiled().fit(xs, y, batchSize, epochs);
  }

  /** The loss and every metric over {@code (x, y)}, in inference mode. */
  public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
    return compiled().evaluate(new Tensor[] {x}, y, batchSize);
  }

  public Map<String, Double> evaluate(Tensor[] xs, Tensor y, int batchSize) {
    return compiled().evaluate(xs, y, batchSize);
  }

  /** The compiled optimizer, or null before {@link #compile}. */
  public Optimizer optimizer() {
    return training == null ? null : training.optimizer();
  }

  /** The compiled loss, or null before {@link #compile}. */
  public Loss loss() {
    return training == null ? null : training.loss();
  }

  /** The compiled metrics (empty before {@link #compile}). */
  public List<Metric> metrics() {
    return training == null ? List.of() : training.metrics();
  }

  private FitLoop compiled() {
    checkOpen();
    if (training == null) {
      throw new OrcaConfigurationException("the model is not compiled: call compile(optimizer, loss, metrics...) first");
    }
    return training;
  }

  /** Not API (for the training loop): the pass that forward and backward use. */
  public Pass trainingPass() {
    return trainingPass;
  }

  // ---- files and copies -----------------------------------------------------------------

  /** Writes the model file (architecture, weights, state, optimizer): see MODEL_FORMAT.md. */
  public void save(OutputStream out) throws IOException {
    checkOpen();
    ModelFile.write(this, out);
  }

  /** Reads a model file with the default engine. */
  public static Model load(InputStream in) throws IOException {
    return ModelFile.read(in, Engine.create());
  }

  /** Reads a model file, computing with {@code engine}. */
  public static Model load(InputStream in, Engine engine) throws IOException {
    return ModelFile.read(in, engine);
  }

  /**
   * Replaces this model's weights and state with those of a model file of the same architecture;
   * a file of another architecture fails and changes nothing.
   */
  public void loadWeights(InputStream in) throws IOException {
    checkOpen();
    ModelFile.readWeightsInto(this, in);
  }

  /** An independent replica in this JVM: same architecture, weights, state and optimizer. */
  public Model copy() {
    return copy(engine);
  }

  /** A replica that computes with another engine (e.g. another thread count). */
  public Model copy(Engine engine) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      save(bytes);
      return load(new ByteArrayInputStream(bytes.toByteArray()), engine);
    } catch (IOException e) {
      throw new UncheckedIOException("copying a model in memory failed", e);
    }
  }

  /** The layers in model order (inputs excluded). */
  public List<Layer> layers() {
    java.util.ArrayList<Layer> layers = new java.util.ArrayList<>();
    for (Graph.Node n : graph.nodes) {
      if (!n.isInput()) {
        layers.add(n.layer);
      }
    }
    return layers;
  }

  /** Native bytes held: flat buffers and workspaces. */
  public long nativeBytes() {
    long b = 4L * (params.size() + grads.size() + state.size()) + trainingPass.workspace().bytes();
    synchronized (idleLock) {
      for (int i = 0; i < idleCount; i++) {
        b += idle[i].workspace().bytes();
      }
    }
    return b;
  }

  private void checkOpen() {
    if (closed) {
      throw new OrcaException("the model is closed; load or build it again");
    }
  }

  /**
   * Frees all native memory of the model; idempotent. Waits (up to a minute) for predict calls
   * still running on other threads, since they read that memory.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (predicting.get() > 0) {
      if (System.nanoTime() > deadline) {
        throw new OrcaException("close waited 60 s for " + predicting.get() + " predict call(s) still running"
            + " on other threads; the model's memory is left allocated: stop predicting before closing");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    if (training != null) {
      training.close();
    }
    trainingPass.close();
    synchronized (idleLock) {
      for (int i = 0; i < idleCount; i++) {
        idle[i].close();
        idle[i] = null;
      }
      idleCount = 0;
    }
    params.close();
    grads.close();
    state.close();
  }
}
