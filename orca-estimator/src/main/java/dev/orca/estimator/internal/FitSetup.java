package dev.orca.estimator.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.estimator.Callback;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.callbacks.ModelCheckpoint;
import dev.orca.estimator.internal.worker.CheckpointStore;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a fit's configuration comes to before training: its callbacks (the user's, then early
 * stopping and checkpoints given the older way, as built-in callbacks), the checkpoint folder a
 * lost worker is recovered from, and where a resumed fit starts.
 */
public final class FitSetup {
  private static final Logger LOG = LoggerFactory.getLogger(FitSetup.class);

  /** The training state in a saved estimator's folder, beside its model file. */
  public static final String STATE_FILE = "training.state";

  private FitSetup() {}

  /**
   * The callbacks of {@code config}: its own, then its early stopping, then a {@link
   * ModelCheckpoint} for {@link FitConfig#checkpointDir()} (every {@code checkpointEvery} epochs,
   * the last 3 kept, as before callbacks). Every checkpoint folder is checked writable here.
   */
  public static List<Callback> callbacks(FitConfig config) {
    List<Callback> all = new ArrayList<>(config.callbacks());
    if (config.earlyStopping() != null && !all.contains(config.earlyStopping())) {
      all.add(config.earlyStopping());
    }
    if (config.checkpointDir() != null) {
      all.add(
          ModelCheckpoint.builder(config.checkpointDir())
              .optEvery(config.checkpointEvery())
              .optKeepLast(3)
              .build());
    }
    for (Callback c : all) {
      if (c instanceof ModelCheckpoint m) {
        m.checkWritable();
      }
    }
    return all;
  }

  /**
   * Where a lost worker is recovered from: the folder of {@link FitConfig#checkpointDir()}, else of
   * the first {@link ModelCheckpoint} that keeps epoch checkpoints; null: from the start.
   */
  public static CheckpointStore recoveryStore(FitConfig config, List<Callback> callbacks) {
    if (config.checkpointDir() != null) {
      return new CheckpointStore(config.checkpointDir());
    }
    for (Callback c : callbacks) {
      if (c instanceof ModelCheckpoint m && m.keepsEpochs()) {
        return new CheckpointStore(m.dir());
      }
    }
    return null;
  }

  /** Where a resumed fit starts: the model file to start from and the state after its epoch. */
  public record ResumePoint(byte[] modelFile, TrainingState state, String from) {
    /**
     * The model to continue training, read with {@code engine}; fails naming both if its
     * architecture is not {@code current}'s.
     */
    public Model model(Model current, Engine engine) {
      Model m = Model.fromBytes(modelFile, engine);
      if (!Arrays.equals(m.inputShapes(), current.inputShapes())
          || !Arrays.equals(m.outputShapes(), current.outputShapes())
          || m.parameterCount() != current.parameterCount()) {
        String saved = describe(m);
        m.close();
        throw new OrcaConfigurationException(
            "cannot resume from "
                + from
                + ": its model ("
                + saved
                + ") is not this estimator's ("
                + describe(current)
                + "). Resume with the estimator of the fit that wrote it, or start afresh"
                + " without optResumeFrom.");
      }
      return m;
    }

    private static String describe(Model m) {
      return "inputs "
          + Arrays.toString(m.inputShapes())
          + ", outputs "
          + Arrays.toString(m.outputShapes())
          + ", "
          + m.parameterCount()
          + " parameters";
    }
  }

  /**
   * The point to resume from in {@code dir}: a saved estimator's folder (its model and {@value
   * #STATE_FILE}) or a checkpoint folder (its newest checkpoint and the state beside it). A folder
   * with neither, or a state that cannot be read, fails naming it.
   */
  public static ResumePoint resumePoint(String dir, FitConfig config) {
    try {
      FileSystem fs = HadoopPaths.fileSystem(dir);
      Path savedModel = new Path(dir, "model.orca");
      if (fs.exists(savedModel) && fs.exists(new Path(dir, SavedSettings.FILE))) {
        Path state = new Path(dir, STATE_FILE);
        if (!fs.exists(state)) {
          throw new OrcaConfigurationException(
              "cannot resume from the saved estimator "
                  + dir
                  + ": it was saved before any fit (it has no "
                  + STATE_FILE
                  + "), so there is no epoch to continue from. Fit it without optResumeFrom.");
        }
        return new ResumePoint(
            read(fs, savedModel, "the model file"),
            TrainingState.parse(
                new String(read(fs, state, "the training state"), UTF8), state.toString()),
            dir);
      }
      CheckpointStore store = new CheckpointStore(dir);
      CheckpointStore.Checkpoint latest =
          store
              .latest()
              .orElseThrow(
                  () ->
                      new OrcaConfigurationException(
                          "cannot resume from "
                              + dir
                              + ": it holds neither checkpoints (epoch-NNNNN.orca) nor a saved"
                              + " estimator (model.orca, "
                              + SavedSettings.FILE
                              + "). Give the folder of optCheckpoints or ModelCheckpoint, or of"
                              + " Estimator.save."));
      TrainingState state =
          store
              .readState(latest.epoch())
              .map(text -> TrainingState.parse(text, store.stateFile(latest.epoch())))
              .orElseGet(
                  () -> {
                    LOG.warn(
                        "{} has no training state beside it: resuming after its epoch {} with this"
                            + " fit's seed and no callback state",
                        store.stateFile(latest.epoch()),
                        latest.epoch() + 1);
                    return new TrainingState(
                        latest.epoch(),
                        config.seed(),
                        config.shuffle(),
                        config.batchSize(),
                        Map.of());
                  });
      if (state.lastEpoch() != latest.epoch()) {
        throw new OrcaDataException(
            store.stateFile(latest.epoch())
                + " says epoch "
                + (state.lastEpoch() + 1)
                + " beside the checkpoint of epoch "
                + (latest.epoch() + 1)
                + "; the folder was changed by hand. Remove the newest checkpoint to resume from"
                + " the one before.");
      }
      return new ResumePoint(latest.modelFile(), state, dir);
    } catch (IOException e) {
      throw new OrcaException("cannot read " + dir + " to resume from: " + e.getMessage(), e);
    }
  }

  private static final java.nio.charset.Charset UTF8 = java.nio.charset.StandardCharsets.UTF_8;

  private static byte[] read(FileSystem fs, Path file, String what) throws IOException {
    try (InputStream in = fs.open(file)) {
      return in.readAllBytes();
    } catch (ChecksumException e) {
      throw HadoopPaths.corrupted(what, fs, file, e);
    }
  }
}
