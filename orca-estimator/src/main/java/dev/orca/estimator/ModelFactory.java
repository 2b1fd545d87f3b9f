package dev.orca.estimator;

import dev.orca.nn.Model;
import java.io.Serializable;

/** Makes the model to train (called once, on the driver). */
@FunctionalInterface
public interface ModelFactory extends Serializable {
  Model create();
}
