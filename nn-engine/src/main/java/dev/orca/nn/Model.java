package dev.orca.nn;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.common.Serialization;
import dev.orca.nn.internal.FitLoop;
import dev.orca.nn.internal.FlatParameters;
import dev.orca.nn.internal.Graph;
import dev.orca.nn.internal.InferencePool;
import dev.orca.nn.internal.LayerWeights;
import dev.orca.nn.internal.Network;
import dev.orca.nn.internal.Pass;
import dev.orca.nn.internal.Trainable;
import dev.orca.nn.io.ModelFile;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.ParameterSpec;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.metrics.MetricSums;
import dev.orca.nn.optim.Optimizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A built network with its weights: made by {@link Sequential} or {@link GraphModel}, or read from
 * a model file with {@link #load(InputStream)}.
 *
 * <p><b>Flat buffers.</b> All trainable parameters live in one contiguous native buffer and all
 * gradients in another, laid out layer by layer in the order of the model; each layer works on
 * views into them. {@link #parameters()} and {@link #gradients()} expose them as direct
 * native-order {@link FloatBuffer}s, so a trainer sums a whole model's gradients across workers in
 * one call and copies a whole model's weights in one call ({@link #copyParametersFrom}).
 * Non-trainable state (BatchNorm running statistics) lives in a third buffer, {@link #state()}.
 *
 * <p><b>Training.</b> {@link #compile} sets the optimizer, loss and metrics and makes the model's
 * {@link TrainingStep}, the one step and evaluation loop that {@link #fit}, {@link #trainStep},
 * {@link #evaluate} and the distributed trainers all run. Or in pieces: {@link #forward(boolean,
 * Tensor...)} in training mode, a {@link Loss}, {@link #backward} (which tells a listener each
 * finished range of the gradient buffer), then {@link Optimizer#step(Engine, Tensor, Tensor)}.
 *
 * <p><b>Threads.</b> Training calls (forward, backward, trainStep, fit) belong to one thread at a
 * time. {@link #predict(Tensor...)} may be called from many threads at once: each call borrows its
 * own workspace.
 *
 * <p><b>Determinism.</b> The same seed gives the same initial weights on every JVM. Dropout masks
 * depend on a per-step seed: by default derived from the model seed and a step counter, or set by
 * the trainer with {@link #setStepSeed(long)}.
 *
 * <p>A model owns native memory: close it (idempotent).
 */
public final class Model implements AutoCloseable {
  private final Graph graph;
  private final Network network;
  private final FlatParameters buffers;
  private final Trainable trainable;
  private final InferencePool inference;
  private TrainingStep step;
  private volatile boolean closed;

  /** Reused by the one-input calls of the training thread, so that a step allocates nothing. */
  private final Tensor[] oneInput = new Tensor[1];

  /**
   * Builds a model for {@code graph}; with {@code initialize}, draws its weights from {@code seed}.
   */
  Model(Graph graph, Network network, Engine engine, long seed, boolean initialize) {
    this.graph = graph;
    this.network = network;
    this.buffers = new FlatParameters(network);
    if (initialize) {
      buffers.initialize(network, seed);
    }
    this.trainable = new Trainable(network, engine, buffers, seed);
    this.inference = new InferencePool(network, engine);
  }

  Model(Graph graph, Engine engine, long seed, boolean initialize) {
    this(graph, new Network(graph), engine, seed, initialize);
  }

  // ---- forward and backward -------------------------------------------------------------

  /**
   * Runs the model on a batch ({@code inputs} in the order the model declared them). The returned
   * tensors belong to the model and stay valid until the next forward; a following {@link
   * #backward} uses what this call left in the workspace.
   */
  public Tensor[] forward(boolean training, Tensor... inputs) {
    checkOpen();
    return trainable.forward(training, inputs);
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
    trainable.backward(listener, gradOutputs);
  }

  /**
   * Whether backward also computes the gradients of the model inputs (off by default: it costs a
   * GEMM).
   */
  public Model computeInputGradients(boolean on) {
    trainable.computeInputGradients(on);
    return this;
  }

  /**
   * The gradient of input {@code k} from the last backward (needs {@link #computeInputGradients}).
   */
  public Tensor inputGradient(int k) {
    return trainable.inputGradient(k);
  }

  /** The seed of the next training forward's random draws (Dropout), e.g. the global step. */
  public void setStepSeed(long stepSeed) {
    trainable.setStepSeed(stepSeed);
  }

  // ---- inference ------------------------------------------------------------------------

  /**
   * Inference on a batch, safe to call from many threads at once. Returns a new tensor (the first
   * output) that the caller closes.
   */
  public Tensor predict(Tensor... inputs) {
    Pass pass = inference.borrow();
    try {
      Tensor out = network.forward(pass, inputs, false, 0)[0];
      return Tensor.zeros(out.shape()).copyFrom(out);
    } finally {
      inference.release(pass);
    }
  }

  /** Inference into a caller's tensor (no allocation once warm), safe from many threads. */
  public void predictInto(Tensor input, Tensor output) {
    Pass pass = inference.borrow();
    try {
      copyOutput(network.forward(pass, input, false, 0)[0], output);
    } finally {
      inference.release(pass);
    }
  }

  /** {@link #predictInto(Tensor, Tensor)} for a model with several inputs. */
  public void predictInto(Tensor[] inputs, Tensor output) {
    Pass pass = inference.borrow();
    try {
      copyOutput(network.forward(pass, inputs, false, 0)[0], output);
    } finally {
      inference.release(pass);
    }
  }

  private static void copyOutput(Tensor out, Tensor output) {
    if (out.size() != output.size() || out.dim(0) != output.dim(0)) {
      throw new OrcaDataException(
          "the output tensor has shape " + output.shape() + ", the model gives " + out.shape());
    }
    output.copyFrom(out);
  }

  // ---- flat buffers -----------------------------------------------------------------------

  public int parameterCount() {
    return buffers.count();
  }

  /**
   * All trainable parameters: a direct native-order buffer over the model's memory (not a copy).
   */
  public FloatBuffer parameters() {
    checkOpen();
    return buffers.parameterBuffer();
  }

  /** All gradients, laid out like {@link #parameters()}: a view, not a copy. */
  public FloatBuffer gradients() {
    checkOpen();
    return buffers.gradientBuffer();
  }

  /** Non-trainable state (BatchNorm running statistics): a view, not a copy. */
  public FloatBuffer state() {
    checkOpen();
    return buffers.stateBuffer();
  }

  public long parametersAddress() {
    return buffers.parametersAddress();
  }

  public long gradientsAddress() {
    return buffers.gradientsAddress();
  }

  /**
   * Moves the flat gradient buffer into {@code target}: {@link #parameterCount()} floats from its
   * position, in a direct buffer of native byte order that the caller keeps alive until this model
   * is closed (and frees afterwards). Training then writes the gradients there, e.g. into memory
   * the other workers of a host read directly ({@code SharedFloats} of the collective module). The
   * current gradients are copied; {@link #gradients()} and the training step follow.
   */
  public void moveGradientsTo(FloatBuffer target) {
    checkOpen();
    if (!target.isDirect()
        || target.order() != java.nio.ByteOrder.nativeOrder()
        || target.remaining() < parameterCount()) {
      throw new IllegalArgumentException(
          "moveGradientsTo needs a direct native-order buffer of "
              + parameterCount()
              + " floats from its position; got "
              + (target.isDirect() ? "a direct" : "a heap")
              + " "
              + target.order()
              + " buffer with "
              + target.remaining()
              + " remaining");
    }
    if (parameterCount() == 0) {
      return;
    }
    buffers.moveGradients(network, target);
    if (step != null) {
      step.gradientsMoved();
    }
  }

  /** The flat parameter buffer as a tensor (a view owned by the model). */
  public Tensor parameterTensor() {
    return buffers.parameters();
  }

  /** The flat gradient buffer as a tensor (a view owned by the model). */
  public Tensor gradientTensor() {
    return buffers.gradients();
  }

  /** The flat state buffer as a tensor (a view owned by the model). */
  public Tensor stateTensor() {
    return buffers.state();
  }

  /**
   * Where each parameter lies in {@link #parameters()}, in model order, named {@code
   * layer/parameter} (e.g. {@code dense_1/kernel}): for weight histograms and inspection.
   */
  public List<ParameterRange> parameterRanges() {
    List<ParameterRange> out = new ArrayList<>();
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput()) {
        continue;
      }
      int at = network.paramFrom(i);
      for (ParameterSpec spec : node.layer.parameters(network.inputShapes(i))) {
        out.add(new ParameterRange(node.name + "/" + spec.name(), at, spec.shape().size()));
        at += spec.shape().size();
      }
    }
    return out;
  }

  /**
   * One parameter's place in the flat parameter buffer: {@code size} floats from {@code offset}.
   */
  public record ParameterRange(String name, int offset, int size) {}

  /**
   * Copies all parameters from {@code source} (from its position, {@link #parameterCount()}
   * floats).
   */
  public void copyParametersFrom(FloatBuffer source) {
    checkOpen();
    buffers.copyParametersFrom(source);
  }

  /** Copies all parameters into {@code target} at its position. */
  public void copyParametersTo(FloatBuffer target) {
    checkOpen();
    buffers.copyParametersTo(target);
  }

  /** Copies the non-trainable state from {@code source}. */
  public void copyStateFrom(FloatBuffer source) {
    checkOpen();
    buffers.copyStateFrom(source);
  }

  // ---- description ----------------------------------------------------------------------

  public Engine engine() {
    return trainable.engine();
  }

  public long seed() {
    return trainable.seed();
  }

  /** Not API (for the model file and the ONNX bridge): the architecture. */
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
    return Summary.of(graph, network, engine());
  }

  /**
   * One node of the model as a reader sees it: an input (no layer) or a layer applied to the named
   * nodes, with its per-sample output shape. For exporters and tools that walk the architecture.
   */
  public record Node(String name, Layer layer, List<String> inputs, Shape shape) {
    public boolean isInput() {
      return layer == null;
    }
  }

  /** Every node in topological order: inputs, then layers each after the nodes they read. */
  public List<Node> nodes() {
    List<Node> out = new ArrayList<>();
    for (Graph.Node n : graph.nodes) {
      List<String> from = new ArrayList<>();
      for (int i : n.inputs) {
        from.add(graph.nodes[i].name);
      }
      out.add(new Node(n.name, n.layer, List.copyOf(from), n.shape));
    }
    return List.copyOf(out);
  }

  /** The names of the model's inputs, in the order {@link #forward} takes them. */
  public List<String> inputNames() {
    List<String> names = new ArrayList<>();
    for (int k : graph.inputs) {
      names.add(graph.nodes[k].name);
    }
    return names;
  }

  /** The names of the model's outputs, in order. */
  public List<String> outputNames() {
    List<String> names = new ArrayList<>();
    for (int k : graph.outputs) {
      names.add(graph.nodes[k].name);
    }
    return names;
  }

  /**
   * Parameter {@code parameter} (e.g. "kernel") of layer {@code layer}: a view into the flat
   * parameter buffer, so writing it changes the model. Fails naming the layer's parameters if there
   * is no such one.
   */
  public Tensor parameter(String layer, String parameter) {
    return find(layer, parameter, false);
  }

  /** Non-trainable state {@code name} (e.g. "moving_mean") of layer {@code layer}, as a view. */
  public Tensor state(String layer, String name) {
    return find(layer, name, true);
  }

  private Tensor find(String layer, String name, boolean state) {
    checkOpen();
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      if (node.isInput() || !node.name.equals(layer)) {
        continue;
      }
      Shape[] in = network.inputShapes(i);
      List<dev.orca.nn.layers.ParameterSpec> specs =
          state ? node.layer.states(in) : node.layer.parameters(in);
      int at = state ? network.stateFrom(i) : network.paramFrom(i);
      List<String> names = new ArrayList<>();
      for (dev.orca.nn.layers.ParameterSpec spec : specs) {
        if (spec.name().equals(name)) {
          return (state ? buffers.state() : buffers.parameters()).view(at, spec.shape());
        }
        names.add(spec.name());
        at += spec.shape().size();
      }
      throw new OrcaConfigurationException(
          "layer '"
              + layer
              + "' has no "
              + (state ? "state" : "parameter")
              + " '"
              + name
              + "'; it has "
              + (names.isEmpty() ? "none" : String.join(", ", names)));
    }
    throw new OrcaConfigurationException(
        "the model has no layer '" + layer + "'; its layers are " + layerNames());
  }

  private List<String> layerNames() {
    return Nodes.layerNames(graph);
  }

  /** The layers in model order (inputs excluded). */
  public List<Layer> layers() {
    List<Layer> layers = new ArrayList<>();
    for (Graph.Node n : graph.nodes) {
      if (!n.isInput()) {
        layers.add(n.layer);
      }
    }
    return layers;
  }

  // ---- transfer learning --------------------------------------------------------------

  /**
   * Freezes the named layers: the optimizer leaves their weights as they are, backward computes no
   * weight gradient for them (and stops before them when nothing earlier trains), and they compute
   * as in inference (BatchNorm uses and keeps its running statistics, Dropout passes everything).
   * Frozen layers stay frozen in the model file and in the replicas of distributed training.
   * Returns this model.
   */
  public Model freeze(String... layers) {
    return setFrozen(true, layerIndices(layers));
  }

  /**
   * Freezes the named layers and every layer they are computed from (BigDL's {@code freeze_up_to}):
   * in a stack, every layer up to and including the named one.
   */
  public Model freezeUpTo(String... layers) {
    boolean[] keep = Nodes.ancestors(graph, layerIndices(layers));
    List<Integer> chosen = new ArrayList<>();
    for (int i = 0; i < keep.length; i++) {
      if (keep[i] && !graph.nodes[i].isInput()) {
        chosen.add(i);
      }
    }
    return setFrozen(true, chosen);
  }

  /** Freezes the layers from {@code first} to {@code last}, both included, in model order. */
  public Model freezeRange(String first, String last) {
    List<Integer> ends = layerIndices(first, last);
    if (ends.get(0) > ends.get(1)) {
      throw new OrcaConfigurationException(
          "layer '"
              + first
              + "' comes after '"
              + last
              + "' in the model; give the range in model order (nodes() lists it)");
    }
    List<Integer> chosen = new ArrayList<>();
    for (int i = ends.get(0); i <= ends.get(1); i++) {
      if (!graph.nodes[i].isInput()) {
        chosen.add(i);
      }
    }
    return setFrozen(true, chosen);
  }

  /** Makes the named layers train again. */
  public Model unfreeze(String... layers) {
    return setFrozen(false, layerIndices(layers));
  }

  /** Makes every layer train again. */
  public Model unfreezeAll() {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < graph.nodes.length; i++) {
      if (!graph.nodes[i].isInput()) {
        all.add(i);
      }
    }
    return setFrozen(false, all);
  }

  /**
   * The ranges of the flat parameter buffer that train ({@code from0, to0, from1, to1...}): what a
   * trainer of its own gives {@link Optimizer#step(Engine, Tensor, Tensor, int[])}, so that frozen
   * layers keep their weights. The array belongs to the model; it changes when layers are frozen.
   */
  public int[] trainableRanges() {
    return trainable.trainableRanges();
  }

  /** The names of the frozen layers, in model order. */
  public List<String> frozenLayers() {
    List<String> names = new ArrayList<>();
    for (Graph.Node n : graph.nodes) {
      if (!n.isInput() && n.layer.isFrozen()) {
        names.add(n.name);
      }
    }
    return List.copyOf(names);
  }

  private List<Integer> layerIndices(String... layers) {
    return Nodes.layerIndices(graph, layers);
  }

  private Model setFrozen(boolean frozen, List<Integer> nodes) {
    checkOpen();
    for (int i : nodes) {
      graph.nodes[i].layer.frozen(frozen);
    }
    trainable.refreeze();
    return this;
  }

  /**
   * Loads the weights and state of every layer of {@code source} whose name a layer of this model
   * has (the others keep theirs): e.g. a trained base into a model with a new head. A namesake with
   * other parameter shapes fails, naming the layer and both shapes, and nothing is loaded; so does
   * a source without any namesake. Returns the names of the layers loaded, in model order.
   */
  public List<String> loadWeightsByName(Model source) {
    checkOpen();
    source.checkOpen();
    return LayerWeights.of(source.network, source.parameterTensor(), source.stateTensor(), null)
        .copyInto(network, parameterTensor(), stateTensor(), "the source model");
  }

  /** {@link #loadWeightsByName(Model)} from a model file. */
  public List<String> loadWeightsByName(InputStream modelFile) throws IOException {
    checkOpen();
    ModelFile.Parsed file = ModelFile.read(modelFile);
    Network source = file.network();
    try (Tensor p = Tensor.zeros(source.parameterCount());
        Tensor s = Tensor.zeros(source.stateCount())) {
      file.fillWeights(p, s);
      return LayerWeights.of(source, p, s, null)
          .copyInto(network, parameterTensor(), stateTensor(), "the model file");
    }
  }

  /**
   * A graph builder holding this model cut after the named nodes: those nodes and everything they
   * are computed from, with the same names, frozen flags and (once built) weights. Attach a new
   * head to {@link GraphModel#node} and build:
   *
   * <pre>{@code
   * GraphModel g = base.cutAt("flatten");
   * Model tuned = g.build(g.apply(new Dense(5).named("head"), g.node("flatten")));
   * tuned.freezeUpTo("flatten");
   * }</pre>
   *
   * The builder has this model's seed (for the new layers' weights) and engine.
   */
  public GraphModel cutAt(String... nodes) {
    checkOpen();
    Nodes.Cut cut = Nodes.cut(graph, nodes);
    // only the layers taken over: a new layer named like a dropped one starts fresh
    cut.builder().carry(LayerWeights.of(network, parameterTensor(), stateTensor(), cut.layers()));
    return cut.builder().optSeed(seed()).optEngine(engine());
  }

  /** Not API (for GraphModel): loads the weights a cut carried over. */
  void loadCarried(LayerWeights weights) {
    weights.copyInto(network, parameterTensor(), stateTensor(), "the cut model");
  }

  // ---- training -----------------------------------------------------------------------

  /**
   * Sets the optimizer, loss and metrics (private copies are taken, so one configuration can be
   * given to many models) for {@link #trainStep}, {@link #fit} and {@link #evaluate}.
   */
  public Model compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    checkOpen();
    if (optimizer == null || loss == null) {
      throw new OrcaConfigurationException(
          "compile needs an optimizer and a loss, got " + optimizer + " and " + loss);
    }
    List<Metric> copies = new ArrayList<>();
    for (Metric m : metrics) {
      copies.add(Serialization.copy(m));
    }
    TrainingStep compiled =
        new TrainingStep(
            trainable, Serialization.copy(optimizer), Serialization.copy(loss), copies);
    if (step != null) {
      step.close();
    }
    step = compiled;
    return this;
  }

  /** The compiled training step and evaluation loop; fails if the model is not compiled. */
  public TrainingStep trainingStep() {
    checkOpen();
    if (step == null) {
      throw new OrcaConfigurationException(
          "the model is not compiled: call compile(optimizer, loss, metrics...) first");
    }
    return step;
  }

  /** One step on one batch: forward, loss, backward, optimizer step. Returns the loss. */
  public double trainStep(Tensor x, Tensor y) {
    TrainingStep s = trainingStep();
    oneInput[0] = x;
    try {
      return s.run(oneInput, y);
    } finally {
      oneInput[0] = null;
    }
  }

  /** One step with several inputs. */
  public double trainStep(Tensor[] xs, Tensor y) {
    return trainingStep().run(xs, y);
  }

  /** Trains for {@code epochs} over {@code (x, y)} in shuffled mini-batches. */
  public History fit(Tensor x, Tensor y, int batchSize, int epochs) {
    return fit(new Tensor[] {x}, y, batchSize, epochs);
  }

  /** Trains a model with several inputs. */
  public History fit(Tensor[] xs, Tensor y, int batchSize, int epochs) {
    try (FitLoop loop = new FitLoop(trainingStep(), seed())) {
      return loop.fit(xs, y, batchSize, epochs);
    }
  }

  /** The loss and every metric over {@code (x, y)}, in inference mode. */
  public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
    return evaluate(new Tensor[] {x}, y, batchSize);
  }

  public Map<String, Double> evaluate(Tensor[] xs, Tensor y, int batchSize) {
    TrainingStep s = trainingStep();
    FitLoop.checkData(xs, y, batchSize);
    MetricSums sums = s.newSums();
    Tensor[] batch = new Tensor[xs.length];
    s.evaluate(
        (from, count) -> {
          for (int k = 0; k < xs.length; k++) {
            batch[k] = xs[k].rows(from, from + count);
          }
          return batch;
        },
        y,
        batchSize,
        sums);
    return sums.values();
  }

  /** The compiled optimizer, or null before {@link #compile}. */
  public Optimizer optimizer() {
    return step == null ? null : step.optimizer();
  }

  /** The compiled loss, or null before {@link #compile}. */
  public Loss loss() {
    return step == null ? null : step.loss();
  }

  /** The compiled metrics (empty before {@link #compile}). */
  public List<Metric> metrics() {
    return step == null ? List.of() : step.metrics();
  }

  // ---- files and copies -----------------------------------------------------------------

  /** Writes the model file (architecture, weights, state, optimizer): see MODEL_FORMAT.md. */
  public void save(OutputStream out) throws IOException {
    checkOpen();
    ModelFile.write(
        new ModelFile.Contents(
            graph, seed(), parameterTensor(), stateTensor(), optimizer(), loss(), metrics()),
        out);
  }

  /** Reads a model file with the default engine. */
  public static Model load(InputStream in) throws IOException {
    return load(in, Engine.create());
  }

  /** Reads a model file, computing with {@code engine}. */
  public static Model load(InputStream in, Engine engine) throws IOException {
    ModelFile.Parsed file = ModelFile.read(in);
    Model model = new Model(file.graph(), file.network(), engine, file.seed(), false);
    try {
      file.fillWeights(model.parameterTensor(), model.stateTensor());
      if (file.isCompiled()) {
        model.compile(file.optimizer(), file.loss(), file.metrics());
        file.fillOptimizerState(model.optimizer(), model.parameterCount());
      }
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Replaces this model's weights and state with those of a model file of the same architecture; a
   * file of another architecture fails and changes nothing.
   */
  public void loadWeights(InputStream in) throws IOException {
    checkOpen();
    ModelFile.Parsed file = ModelFile.read(in);
    file.checkSameLayout(graph);
    file.fillWeights(parameterTensor(), stateTensor());
  }

  /** The model file in memory, e.g. to send the model to another JVM. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      save(bytes);
    } catch (IOException e) {
      throw new IllegalStateException("a byte array stream does not fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads a model file held in memory ({@link #toBytes()}), computing with {@code engine}. A
   * damaged or foreign file fails with an {@link OrcaDataException} that says which.
   */
  public static Model fromBytes(byte[] modelFile, Engine engine) {
    try {
      return load(new ByteArrayInputStream(modelFile), engine);
    } catch (IOException e) {
      throw new IllegalStateException("a byte array stream does not fail", e);
    }
  }

  /** An independent replica in this JVM: same architecture, weights, state and optimizer. */
  public Model copy() {
    return copy(engine());
  }

  /** A replica that computes with another engine (e.g. another thread count). */
  public Model copy(Engine engine) {
    return fromBytes(toBytes(), engine);
  }

  /** Native bytes held: flat buffers and workspaces. */
  public long nativeBytes() {
    return buffers.bytes() + trainable.workspaceBytes() + inference.bytes();
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
    inference.close();
    if (step != null) {
      step.close();
    }
    trainable.close();
    buffers.close();
  }
}
