package dev.orca.nn.metrics;

import dev.orca.OrcaDataException;
import dev.orca.nn.Tensor;

/** Reading and checking targets for the metrics. */
final class Labels {
  private Labels() {}

  static void checkRows(String metric, Tensor output, Tensor target) {
    if (target.size() != output.dim(0)) {
      throw new OrcaDataException(
          metric
              + ": the target has shape "
              + target.shape()
              + ", expected one class id"
              + " per row of the output "
              + output.shape());
    }
  }

  static void checkSameSize(String metric, Tensor output, Tensor target) {
    if (target.size() != output.size()) {
      throw new OrcaDataException(
          metric
              + ": the target has shape "
              + target.shape()
              + ", expected one value per output value "
              + output.shape());
    }
  }

  static int classId(String metric, Tensor target, int r, int classes) {
    float v = target.data().get(target.offset() + r);
    int id = (int) v;
    if (id != v || id < 0 || id >= classes) {
      throw new OrcaDataException(
          metric + ": label " + v + " in row " + r + " is not a class id in [0, " + classes + ")");
    }
    return id;
  }

  /** A binary target: exactly 0 or 1. */
  static boolean positive(String metric, Tensor target, int i) {
    float v = target.data().get(target.offset() + i);
    if (v != 0f && v != 1f) {
      throw new OrcaDataException(
          metric + ": target " + v + " at " + i + " is not a binary label 0 or 1");
    }
    return v == 1f;
  }
}
