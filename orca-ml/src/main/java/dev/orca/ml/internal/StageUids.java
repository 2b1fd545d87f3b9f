package dev.orca.ml.internal;

import java.util.Objects;
import org.apache.spark.ml.util.Identifiable;

/**
 * The uid of a stage, known before Spark ML's own constructors ask for it: Spark's base classes
 * create their params (featuresCol, ...) in their constructors, and each param reads its stage's
 * uid then, before a Java subclass could set a field. A constructor passes the uid here in the
 * argument list of its {@code this(...)} call, and the stage's {@code uid()} takes it at the first
 * question.
 */
public final class StageUids {
  private static final ThreadLocal<String> NEXT = new ThreadLocal<>();

  private StageUids() {}

  /** Hands {@code uid} to the stage about to be constructed on this thread. */
  public static Void pass(String uid) {
    NEXT.set(Objects.requireNonNull(uid, "uid"));
    return null;
  }

  /** The uid passed for the stage being constructed, or a new one with {@code prefix}. */
  public static String take(String prefix) {
    String uid = NEXT.get();
    NEXT.remove();
    return uid != null ? uid : Identifiable.randomUID(prefix);
  }
}
