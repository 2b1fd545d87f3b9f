package dev.orca.ml;

import dev.orca.OrcaConfigurationException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The model builders of this JVM, by name: what the {@code architecture} param of {@link
 * NNEstimator}, {@link NNClassifier} and {@link NNRegressor} names. Names, not functions, are what
 * a param grid holds and what a saved stage records, so a program that loads a saved, unfitted
 * stage registers the same names first. A fitted model does not need its builder: it holds its
 * network.
 */
public final class Architectures {
  private static final Map<String, ModelBuilder> BUILDERS = new TreeMap<>();

  private Architectures() {}

  /** Registers {@code builder} under {@code name}, replacing any builder of that name. */
  public static synchronized void register(String name, ModelBuilder builder) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(builder, "builder");
    if (name.isBlank()) {
      throw new OrcaConfigurationException("an architecture needs a name that is not blank");
    }
    BUILDERS.put(name, builder);
  }

  /** Whether a builder is registered under {@code name}. */
  public static synchronized boolean isRegistered(String name) {
    return BUILDERS.containsKey(name);
  }

  /** The builder registered under {@code name}; fails naming those that are. */
  public static synchronized ModelBuilder get(String name) {
    if (name == null || name.isEmpty()) {
      throw new OrcaConfigurationException(
          "no architecture chosen: register a model builder with Architectures.register(name,"
              + " builder) and set the stage's architecture param to that name"
              + (BUILDERS.isEmpty() ? "" : " (registered: " + BUILDERS.keySet() + ")"));
    }
    ModelBuilder b = BUILDERS.get(name);
    if (b == null) {
      throw new OrcaConfigurationException(
          "no architecture '"
              + name
              + "' is registered in this JVM (registered: "
              + BUILDERS.keySet()
              + "); register it with Architectures.register(\""
              + name
              + "\", builder) before fitting");
    }
    return b;
  }
}
