package dev.orca.nn.layers;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.common.Serialization;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.io.Serializable;
import java.util.List;

/**
 * A layer: its configuration (serializable, so a model can be rebuilt on another JVM) and, once a
 * model has built it, views of its parameters in the model's flat buffers. Shapes given to and
 * returned by {@link #outputShape} are per sample; tensors given to {@link #forward} and {@link
 * #backward} carry the batch as their first dimension.
 *
 * <p>A layer keeps no per-call state: everything a backward pass needs from its forward pass lives
 * in the {@link Workspace}, which is why one model can serve many inference threads at once. A
 * layer instance belongs to one model.
 *
 * <p><b>Frozen layers</b> ({@code Model.freeze}) keep their weights: the optimizer skips them,
 * their backward computes no weight gradient (only the input gradient, when a layer before them
 * trains), and they compute as in inference (BatchNorm uses and keeps its running statistics,
 * Dropout passes everything), as Keras runs a frozen base with {@code training=False}. A layer that
 * holds parameters checks {@link #isFrozen()} in its backward.
 *
 * <p><b>Your own layers.</b> Subclass {@code Layer} (a serializable configuration: every field
 * serializable or transient, and a {@code serialVersionUID}), then {@link #register} the class
 * before building a model with it: model files, copies of models and the jobs sent to workers only
 * read the classes they were told to accept, Orca's own and the registered ones.
 */
public abstract class Layer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Tensor[] NONE = new Tensor[0];

  private String name;
  private boolean frozen;
  private transient Tensor[] params = NONE;
  private transient Tensor[] grads = NONE;
  private transient Tensor[] state = NONE;

  /**
   * Accepts {@code type}, a layer class of the program's own, in the model files, model copies and
   * jobs sent to workers that this JVM reads ({@link Serialization#register}): exactly this class,
   * not its subclasses or package. Register it before building a model with it, in every JVM that
   * reads such a model (the estimator registers the driver's classes on its workers). Orca's own
   * layers need no registration.
   */
  public static void register(Class<? extends Layer> type) {
    if (type == null) {
      throw new NullPointerException("type");
    }
    Serialization.register(type);
  }

  /** The name shown in summaries and errors; the model assigns one if none was given. */
  public String name() {
    return name;
  }

  /** Sets the name; returns this layer. */
  public Layer named(String name) {
    this.name = name;
    return this;
  }

  /** Whether the layer is frozen (see the class comment). */
  public final boolean isFrozen() {
    return frozen;
  }

  /**
   * Freezes or unfreezes this layer; returns it. Usually called through {@code Model.freeze}, which
   * also keeps the model's optimizer off the layer's weights.
   */
  public final Layer frozen(boolean frozen) {
    this.frozen = frozen;
    frozenChanged(frozen);
    return this;
  }

  /** Called by {@link #frozen(boolean)}: a layer that wraps another freezes it alike. */
  void frozenChanged(boolean frozen) {}

  /** The least and most inputs this layer takes. */
  public int minInputs() {
    return 1;
  }

  public int maxInputs() {
    return 1;
  }

  /** The per-sample output shape for these per-sample input shapes; fails clearly on a mismatch. */
  public abstract Shape outputShape(Shape... inputs);

  /** The trainable parameters this layer needs for these input shapes, in layout order. */
  public List<ParameterSpec> parameters(Shape... inputs) {
    return List.of();
  }

  /** Non-trainable state (running statistics), kept in the model's state buffer. */
  public List<ParameterSpec> states(Shape... inputs) {
    return List.of();
  }

  /** The configuration in a few words, for summaries. */
  public String describe() {
    return "";
  }

  /** Called by the model: the views of this layer's parameters, gradients and state. */
  public final void bind(Tensor[] params, Tensor[] grads, Tensor[] state) {
    this.params = params;
    this.grads = grads;
    this.state = state;
    bound(params, grads, state);
  }

  /** Called after {@link #bind}: a layer that wraps another hands it the same views. */
  void bound(Tensor[] params, Tensor[] grads, Tensor[] state) {}

  protected final Tensor param(int i) {
    return params[i];
  }

  protected final Tensor grad(int i) {
    return grads[i];
  }

  protected final Tensor state(int i) {
    return state[i];
  }

  /** Computes {@code out} (already shaped) from {@code in}. */
  public abstract void forward(Workspace ws, Tensor[] in, Tensor out);

  /**
   * Writes (overwrites) the gradients of this layer's parameters and, for each non-null {@code
   * gradIn[i]}, the gradient with respect to input {@code i}, from the gradient of {@code out}.
   * Runs after {@link #forward} on the same workspace.
   */
  public abstract void backward(
      Workspace ws, Tensor[] in, Tensor out, Tensor gradOut, Tensor[] gradIn);

  /** For configuration checks: fails with a message naming this layer and the setting. */
  protected final void require(boolean ok, String what) {
    if (!ok) {
      throw new OrcaConfigurationException(label() + ": " + what);
    }
  }

  /** For shape checks: fails with a message naming this layer and the shapes. */
  protected final void requireShape(boolean ok, String what) {
    if (!ok) {
      throw new OrcaDataException(label() + ": " + what);
    }
  }

  protected final String label() {
    return getClass().getSimpleName() + (name == null ? "" : " '" + name + "'");
  }
}
