package dev.orca.ml.internal;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;

/**
 * The params every training stage has, made for one stage (a Spark param belongs to its stage's
 * uid) with their defaults set on it. The stages expose each through a method of the same name, as
 * Spark finds params by those methods.
 */
public final class TrainingParams {
  /** The optimizers the {@code optimizer} param names. */
  public static final String[] OPTIMIZERS = {"adam", "adamw", "sgd", "adagrad"};

  public final StringArrayParam featuresCols;
  public final Param<String> architecture;
  public final IntParam batchSize;
  public final IntParam maxEpoch;
  public final Param<String> optimizer;
  public final DoubleParam learningRate;
  public final LongParam seed;
  public final IntParam workers;
  public final IntParam coresPerWorker;
  public final Param<String> backend;
  public final Param<String> validationIndicatorCol;
  public final IntParam earlyStoppingPatience;

  /** The featuresCols param alone, for a model (which has no other training param). */
  public static StringArrayParam featuresCols(Params owner) {
    StringArrayParam p =
        new StringArrayParam(
            owner,
            "featuresCols",
            "several numeric, array or vector columns that together make the features, instead of"
                + " featuresCol");
    owner.setDefault(p, new String[0]);
    return p;
  }

  public TrainingParams(Params owner) {
    featuresCols = featuresCols(owner);
    architecture =
        new Param<>(
            owner,
            "architecture",
            "the name of the model builder (registered with Architectures.register) that makes the"
                + " network");
    batchSize =
        new IntParam(
            owner, "batchSize", "rows per training step over all workers", ParamValidators.gtEq(1));
    maxEpoch = new IntParam(owner, "maxEpoch", "most epochs to train", ParamValidators.gtEq(1));
    optimizer =
        new Param<>(
            owner,
            "optimizer",
            "the optimizer: " + String.join(", ", OPTIMIZERS),
            ParamValidators.inArray(OPTIMIZERS));
    learningRate =
        new DoubleParam(
            owner, "learningRate", "the optimizer's learning rate", ParamValidators.gt(0));
    seed = new LongParam(owner, "seed", "seed of the initial weights and the shuffling");
    workers =
        new IntParam(
            owner,
            "workers",
            "data-parallel training workers; 0: one per node of the OrcaContext",
            ParamValidators.gtEq(0));
    coresPerWorker =
        new IntParam(
            owner,
            "coresPerWorker",
            "engine threads of each worker; 0: the context's cores shared by the workers",
            ParamValidators.gtEq(0));
    backend =
        new Param<>(
            owner,
            "backend",
            "where the workers run: spark (barrier tasks) or ray (actors)",
            ParamValidators.inArray(new String[] {"spark", "ray"}));
    validationIndicatorCol =
        new Param<>(
            owner,
            "validationIndicatorCol",
            "a boolean column, true for the rows to validate on after every epoch instead of"
                + " training on; empty: no validation");
    earlyStoppingPatience =
        new IntParam(
            owner,
            "earlyStoppingPatience",
            "epochs without a better validation loss before training stops; 0: never stop early",
            ParamValidators.gtEq(0));
    owner.setDefault(architecture, "");
    owner.setDefault(batchSize, 32);
    owner.setDefault(maxEpoch, 10);
    owner.setDefault(optimizer, "adam");
    owner.setDefault(learningRate, 1e-3);
    // Spark ML's default seed: the hash of the class name
    owner.setDefault(seed, (long) owner.getClass().getName().hashCode());
    owner.setDefault(workers, 0);
    owner.setDefault(coresPerWorker, 0);
    owner.setDefault(backend, "spark");
    owner.setDefault(validationIndicatorCol, "");
    owner.setDefault(earlyStoppingPatience, 0);
  }
}
