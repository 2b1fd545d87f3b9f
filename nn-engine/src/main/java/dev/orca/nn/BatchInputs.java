package dev.orca.nn;

/**
 * A model's inputs for a range of rows of a data set: one tensor per input, first dimension {@code
 * count}.
 */
@FunctionalInterface
public interface BatchInputs {
  /** The inputs of rows {@code [from, from + count)}; valid until the next call. */
  Tensor[] rows(int from, int count);
}
