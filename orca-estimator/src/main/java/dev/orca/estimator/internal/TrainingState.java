package dev.orca.estimator.internal;

import dev.orca.OrcaDataException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where a fit stood after an epoch, beyond the model file (which carries the weights and the
 * optimizer's state and step count, so the learning-rate schedule's position): the last finished
 * epoch, what fixes the shuffling sequence (seed, shuffle, batch size), and each callback's state.
 * Written beside every checkpoint ({@code epoch-00004.state}) and in a saved estimator, read back
 * to resume.
 *
 * @param lastEpoch the last finished epoch (index from 0)
 * @param callbacks each callback's state by its key ({@link FitCallbacks#keyOf})
 */
public record TrainingState(
    int lastEpoch, long seed, boolean shuffle, int batchSize, Map<String, String> callbacks) {
  private static final String FORMAT = "orca-training-state";
  private static final String VERSION = "1";
  private static final String CALLBACK = "callback.";

  public TrainingState {
    callbacks = Map.copyOf(callbacks);
  }

  /** As Java properties text, with a comment naming the epoch as users count it. */
  public String toText() {
    Properties p = new Properties();
    p.setProperty("format", FORMAT + " " + VERSION);
    p.setProperty("lastEpoch", Integer.toString(lastEpoch));
    p.setProperty("seed", Long.toString(seed));
    p.setProperty("shuffle", Boolean.toString(shuffle));
    p.setProperty("batchSize", Integer.toString(batchSize));
    callbacks.forEach((k, v) -> p.setProperty(CALLBACK + k, v));
    StringWriter w = new StringWriter();
    try {
      p.store(w, "Orca training state after epoch " + (lastEpoch + 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return w.toString();
  }

  /** The state in {@code text}, read from {@code file} (named in errors). */
  public static TrainingState parse(String text, String file) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw damaged(file, "it is not a properties file (" + e.getMessage() + ")");
    }
    if (!(FORMAT + " " + VERSION).equals(p.getProperty("format"))) {
      throw damaged(file, "its format is '" + p.getProperty("format") + "'");
    }
    Map<String, String> callbacks = new LinkedHashMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith(CALLBACK)) {
        callbacks.put(key.substring(CALLBACK.length()), p.getProperty(key));
      }
    }
    try {
      int last = Integer.parseInt(p.getProperty("lastEpoch", "").trim());
      int batch = Integer.parseInt(p.getProperty("batchSize", "").trim());
      if (last < 0 || batch < 1) {
        throw new NumberFormatException("lastEpoch " + last + ", batchSize " + batch);
      }
      return new TrainingState(
          last,
          Long.parseLong(p.getProperty("seed", "").trim()),
          Boolean.parseBoolean(p.getProperty("shuffle", "").trim()),
          batch,
          callbacks);
    } catch (NumberFormatException e) {
      throw damaged(file, "a number in it is missing or wrong (" + e.getMessage() + ")");
    }
  }

  private static OrcaDataException damaged(String file, String why) {
    return new OrcaDataException(
        "the training state "
            + file
            + " cannot be read: "
            + why
            + ". It is written beside each checkpoint; resume from a checkpoint folder written by"
            + " Orca, or from the checkpoint of another epoch.");
  }
}
