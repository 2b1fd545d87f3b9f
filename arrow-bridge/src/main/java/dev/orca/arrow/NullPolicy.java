package dev.orca.arrow;

import dev.orca.OrcaConfigurationException;
import java.io.Serializable;

/**
 * What to do with a null, NaN or infinite value in a feature or label column when converting to
 * shards: {@link #FAIL} (the default) stops with an error naming the column, how many rows have
 * one, and the first of them; {@link #DROP} leaves such rows out; {@link #fill(float)} puts a value
 * in their place. Infinite includes a double beyond float range ({@code |x| > Float.MAX_VALUE}),
 * which would become infinite as a float: the engine could train on none of these.
 */
public final class NullPolicy implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Stop with an error naming the column and how many rows hold a null, NaN or infinity. */
  public static final NullPolicy FAIL = new NullPolicy(Kind.FAIL, Float.NaN);

  /** Leave out every row with a null, NaN or infinity in a feature or label column. */
  public static final NullPolicy DROP = new NullPolicy(Kind.DROP, Float.NaN);

  /** The three policies. */
  public enum Kind {
    FAIL,
    DROP,
    FILL
  }

  private final Kind kind;
  private final float value;

  private NullPolicy(Kind kind, float value) {
    this.kind = kind;
    this.value = value;
  }

  /** Replace each null, NaN or infinite value by {@code value}. */
  public static NullPolicy fill(float value) {
    if (!Float.isFinite(value)) {
      throw new OrcaConfigurationException(
          "NullPolicy.fill("
              + value
              + ") would leave a value the engine cannot use in place; fill with a finite"
              + " number");
    }
    return new NullPolicy(Kind.FILL, value);
  }

  public Kind kind() {
    return kind;
  }

  /** The value FILL puts in place of a null, NaN or infinity. */
  public float value() {
    return value;
  }

  private Object readResolve() {
    return kind == Kind.FAIL ? FAIL : kind == Kind.DROP ? DROP : this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NullPolicy p && p.kind == kind && Float.compare(p.value, value) == 0;
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + Float.hashCode(value);
  }

  @Override
  public String toString() {
    return kind == Kind.FILL ? "FILL(" + value + ")" : kind.name();
  }
}
