package dev.orca.estimator.internal;

import dev.orca.TrainingException;
import dev.orca.estimator.Backend;
import dev.orca.estimator.Callback;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.StepFigures;
import dev.orca.estimator.TrainingContext;
import dev.orca.estimator.TrainingHistory;
import dev.orca.estimator.callbacks.ModelCheckpoint;
import dev.orca.estimator.internal.worker.CheckpointStore;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The callbacks of one fit, run on the driver by either backend, one call at a time, and the {@link
 * TrainingContext} they see. A callback that throws is remembered as the fit's failure ({@link
 * #failure()}), training is asked to stop, and no hook of any callback is called again but {@link
 * Callback#onTrainFailed}; the backend stops its workers and throws the failure.
 *
 * <p>{@link ModelCheckpoint}s run after the other callbacks of an epoch, so that the state they
 * write includes what the others decided in that epoch (early stopping's count).
 */
public final class FitCallbacks implements TrainingContext {
  /** Where the model of the last finished epoch comes from: the first worker. */
  @FunctionalInterface
  public interface ModelSource {
    byte[] fetch(int epoch);
  }

  /** The fixed facts of the fit the callbacks are told. */
  public record Plan(
      int epochs,
      int firstEpoch,
      int stepsPerEpoch,
      int batchSize,
      long seed,
      boolean shuffle,
      Backend backend,
      int workers) {}

  private final List<Callback> callbacks;
  private final List<String> keys;
  private final Plan plan;
  private ModelSource source =
      epoch -> {
        throw new IllegalStateException("no model source: the backend sets one before training");
      };
  private Map<String, String> startStates = Map.of();
  private final List<EpochRecord> history = new ArrayList<>();
  private final byte[] initialModel;
  private byte[] modelFile;
  private int modelEpoch;
  private Model model;
  private double learningRate;
  private long iterations;
  private int lastEpoch;
  private String stopReason;
  private TrainingException failure;

  /**
   * Callbacks for a fit of {@code plan}, starting from {@code initialModel} (the model file as
   * training starts); the backend says where later models come from ({@link #modelSource}).
   */
  public FitCallbacks(List<Callback> callbacks, Plan plan, byte[] initialModel) {
    List<Callback> ordered = new ArrayList<>();
    callbacks.stream().filter(c -> !(c instanceof ModelCheckpoint)).forEach(ordered::add);
    callbacks.stream().filter(c -> c instanceof ModelCheckpoint).forEach(ordered::add);
    this.callbacks = Collections.unmodifiableList(ordered);
    this.keys = keysOf(this.callbacks);
    this.plan = plan;
    this.initialModel = initialModel;
    this.modelFile = initialModel;
    this.modelEpoch = plan.firstEpoch() - 1;
    this.lastEpoch = plan.firstEpoch() - 1;
    try (Model m = Model.fromBytes(initialModel, Engine.create(1))) {
      this.iterations = m.optimizer() == null ? 0 : m.optimizer().iterations();
      this.learningRate =
          m.optimizer() == null
              ? Double.NaN
              : m.optimizer().schedule().rate(Math.max(0, iterations - 1));
    }
  }

  /** The trained model, once the workers are gone: what {@link #model()} gives from now on. */
  public synchronized void finalModel(byte[] file) {
    closeModel();
    modelFile = file;
    modelEpoch = lastEpoch;
  }

  /** Where the model after an epoch comes from when a callback asks: the first worker. */
  public synchronized void modelSource(ModelSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /**
   * The key of each callback's state: its class and its position among the callbacks of that class,
   * so that a resumed fit with the same kinds of callbacks finds each one's state.
   */
  public static List<String> keysOf(List<Callback> callbacks) {
    Map<String, Integer> seen = new HashMap<>();
    List<String> keys = new ArrayList<>();
    for (Callback c : callbacks) {
      String name = c.getClass().getName();
      int n = seen.merge(name, 1, Integer::sum) - 1;
      keys.add(name + "." + n);
    }
    return keys;
  }

  /** The step interval the first worker must report at: the gcd of the callbacks' (0: none). */
  public int stepInterval() {
    int g = 0;
    for (Callback c : callbacks) {
      int n = c.stepInterval();
      if (n > 0) {
        g = gcd(g, n);
      }
    }
    return g;
  }

  /** Training begins; with {@code resumed} (or null) the callbacks get their states back. */
  public synchronized void trainBegin(TrainingState resumed) {
    for (int i = 0; i < callbacks.size() && failure == null; i++) {
      Callback c = callbacks.get(i);
      call(c, "onTrainBegin", () -> c.onTrainBegin(this));
      String state = resumed == null ? null : resumed.callbacks().get(keys.get(i));
      if (state != null) {
        call(c, "restoreState", () -> c.restoreState(state));
      }
    }
    startStates = states();
  }

  /**
   * Training went back to the checkpoint of {@code lastEpoch} in {@code store} (after losing a
   * worker), or to the start of this fit ({@code lastEpoch} before {@link #firstEpoch()}, or no
   * store): the callbacks get their state of then back and will see the epochs after it again.
   */
  public synchronized void rewind(int lastEpoch, CheckpointStore store) {
    Map<String, String> states = startStates;
    if (lastEpoch >= plan.firstEpoch() && store != null) {
      states =
          store
              .readState(lastEpoch)
              .map(text -> TrainingState.parse(text, store.stateFile(lastEpoch)).callbacks())
              .orElse(startStates);
    }
    history.removeIf(e -> e.epoch() > lastEpoch);
    this.lastEpoch = Math.max(lastEpoch, plan.firstEpoch() - 1);
    if (this.lastEpoch != modelEpoch) {
      closeModel();
      // the start's model is known here; a checkpoint's is fetched again when asked for
      modelFile = this.lastEpoch < plan.firstEpoch() ? initialModel : null;
      modelEpoch = this.lastEpoch < plan.firstEpoch() ? this.lastEpoch : Integer.MIN_VALUE;
    }
    for (int i = 0; i < callbacks.size() && failure == null; i++) {
      Callback c = callbacks.get(i);
      String state = states.get(keys.get(i));
      if (state != null) {
        call(c, "restoreState", () -> c.restoreState(state));
      }
    }
  }

  public synchronized void epochBegin(int epoch) {
    for (Callback c : callbacks) {
      if (failure != null) {
        return;
      }
      call(c, "onEpochBegin", () -> c.onEpochBegin(epoch, this));
    }
  }

  /** Running figures from the first worker: for the callbacks whose interval divides the step. */
  public synchronized void steps(StepFigures figures) {
    learningRate = figures.learningRate();
    for (Callback c : callbacks) {
      int n = c.stepInterval();
      if (failure != null) {
        return;
      }
      if (n > 0 && figures.step() % n == 0) {
        call(c, "onSteps", () -> c.onSteps(figures, this));
      }
    }
  }

  /**
   * An epoch ended with {@code record}; {@code learningRate} and {@code iterations} as the first
   * worker reports them after it. Returns the reason to stop, or null to go on.
   */
  public synchronized String epochEnd(EpochRecord record, double learningRate, long iterations) {
    history.add(record);
    lastEpoch = record.epoch();
    this.learningRate = learningRate;
    this.iterations = iterations;
    for (Callback c : callbacks) {
      if (failure != null) {
        break;
      }
      call(c, "onEpochEnd", () -> c.onEpochEnd(record, this));
    }
    return failure != null ? failure.getMessage() : stopReason;
  }

  public synchronized void trainEnd(TrainingHistory result) {
    for (Callback c : callbacks) {
      if (failure != null) {
        break;
      }
      call(c, "onTrainEnd", () -> c.onTrainEnd(result, this));
    }
    closeModel();
  }

  /** Training failed with {@code error}: every callback may clean up; their errors are added. */
  public synchronized void trainFailed(RuntimeException error) {
    for (Callback c : callbacks) {
      try {
        c.onTrainFailed(error, this);
      } catch (RuntimeException e) {
        error.addSuppressed(e);
      }
    }
    closeModel();
  }

  /** The failure of a callback, or null. */
  public synchronized TrainingException failure() {
    return failure;
  }

  /** Why a callback asked to stop, or null. */
  public synchronized String stopReason() {
    return stopReason;
  }

  private void call(Callback c, String hook, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      failure =
          new TrainingException(
              "Training stopped: the callback "
                  + nameOf(c)
                  + " failed in "
                  + hook
                  + ": "
                  + (e.getMessage() == null ? e.toString() : e.getMessage()),
              e);
    }
  }

  /** A callback's name in messages: its own toString if it has one, else its class. */
  static String nameOf(Callback c) {
    try {
      if (c.getClass().getMethod("toString").getDeclaringClass() != Object.class) {
        return c.toString();
      }
    } catch (NoSuchMethodException e) {
      // every class has toString
    }
    return c.getClass().getName();
  }

  // ---- TrainingContext -------------------------------------------------------------------

  @Override
  public int epochs() {
    return plan.epochs();
  }

  @Override
  public int firstEpoch() {
    return plan.firstEpoch();
  }

  @Override
  public int stepsPerEpoch() {
    return plan.stepsPerEpoch();
  }

  @Override
  public int batchSize() {
    return plan.batchSize();
  }

  @Override
  public Backend backend() {
    return plan.backend();
  }

  @Override
  public int workers() {
    return plan.workers();
  }

  @Override
  public synchronized double learningRate() {
    return learningRate;
  }

  @Override
  public synchronized long iterations() {
    return iterations;
  }

  @Override
  public synchronized Model model() {
    byte[] file = modelFile();
    if (model == null) {
      model = Model.fromBytes(file, Engine.create(1));
    }
    return model;
  }

  @Override
  public synchronized byte[] modelFile() {
    if (modelEpoch != lastEpoch) {
      closeModel();
      modelFile = source.fetch(lastEpoch);
      modelEpoch = lastEpoch;
    }
    return modelFile;
  }

  @Override
  public synchronized String trainingState() {
    return new TrainingState(lastEpoch, plan.seed(), plan.shuffle(), plan.batchSize(), states())
        .toText();
  }

  private Map<String, String> states() {
    Map<String, String> states = new LinkedHashMap<>();
    for (int i = 0; i < callbacks.size(); i++) {
      String s = callbacks.get(i).saveState();
      if (s != null) {
        states.put(keys.get(i), s);
      }
    }
    return states;
  }

  @Override
  public synchronized List<EpochRecord> history() {
    return List.copyOf(history);
  }

  @Override
  public synchronized void requestStop(String reason) {
    if (stopReason == null) {
      stopReason = reason == null ? "stopped by a callback" : reason;
    }
  }

  @Override
  public synchronized boolean stopRequested() {
    return stopReason != null;
  }

  private void closeModel() {
    if (model != null) {
      model.close();
      model = null;
    }
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
