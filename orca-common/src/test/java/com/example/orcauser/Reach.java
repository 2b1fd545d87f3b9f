package com.example.orcauser;

import java.io.Serializable;

/**
 * A user's own configuration value, outside Orca's packages: the allow-list takes it once
 * registered.
 */
public class Reach implements Serializable {
  private static final long serialVersionUID = 1L;
  private final int steps;

  public Reach(int steps) {
    this.steps = steps;
  }

  public int steps() {
    return steps;
  }

  /** A subclass: registering {@link Reach} does not admit it. */
  public static final class Farther extends Reach {
    private static final long serialVersionUID = 1L;

    public Farther(int steps) {
      super(steps);
    }
  }
}
