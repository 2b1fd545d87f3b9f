package dev.orca.estimator.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.estimator.Backend;
import java.util.Properties;

/**
 * The estimator's settings as {@code Estimator.save} writes them beside the model file, checked
 * when read back as the builder checks them: a missing, malformed or out-of-range value fails
 * naming the file, the key and the value.
 */
public record SavedSettings(Backend backend, int workers, int coresPerWorker) {
  /** The name of the settings file in a saved estimator's folder. */
  public static final String FILE = "estimator.properties";

  private static final String BACKEND = "backend";
  private static final String WORKERS = "workers";
  private static final String CORES = "coresPerWorker";

  public Properties toProperties() {
    Properties p = new Properties();
    p.setProperty(BACKEND, backend.name());
    p.setProperty(WORKERS, Integer.toString(workers));
    p.setProperty(CORES, Integer.toString(coresPerWorker));
    return p;
  }

  /** The settings in {@code p}, read from {@code file} (named in errors). */
  public static SavedSettings from(Properties p, String file) {
    return new SavedSettings(
        backend(p, file),
        positive(p, WORKERS, "the number of data-parallel workers", file),
        positive(p, CORES, "the threads of each worker", file));
  }

  private static Backend backend(Properties p, String file) {
    String value = required(p, BACKEND, "spark or ray", file);
    try {
      return Backend.parse(value);
    } catch (OrcaConfigurationException e) {
      throw invalid(file, BACKEND, value, "spark or ray");
    }
  }

  /** Saved values are resolved, so the builder's 0 ("one per node") does not occur here. */
  private static int positive(Properties p, String key, String meaning, String file) {
    String allowed = "a whole number of at least 1 (" + meaning + ")";
    String value = required(p, key, allowed, file);
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the file, the key and the value
    }
    throw invalid(file, key, value, allowed);
  }

  private static String required(Properties p, String key, String allowed, String file) {
    String value = p.getProperty(key);
    if (value == null) {
      throw new OrcaDataException(
          "the estimator settings file "
              + file
              + " has no '"
              + key
              + "' setting; it must be "
              + allowed
              + ". Add the line "
              + key
              + "=... or save the estimator again");
    }
    return value.trim();
  }

  private static OrcaDataException invalid(String file, String key, String value, String allowed) {
    return new OrcaDataException(
        "the estimator settings file "
            + file
            + " gives "
            + key
            + "="
            + value
            + "; it must be "
            + allowed
            + ". Correct the line or save the estimator again");
  }
}
