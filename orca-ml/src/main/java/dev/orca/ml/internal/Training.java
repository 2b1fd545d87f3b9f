package dev.orca.ml.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.arrow.Shard;
import dev.orca.data.XShards;
import dev.orca.estimator.Backend;
import dev.orca.estimator.EarlyStopping;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.ml.Architectures;
import dev.orca.ml.HasTrainingParams;
import dev.orca.nn.Model;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adagrad;
import dev.orca.nn.optim.Adam;
import dev.orca.nn.optim.AdamW;
import dev.orca.nn.optim.Optimizer;
import dev.orca.nn.optim.Sgd;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;

/**
 * The one way the stages train: the DataFrame to XShards, the network from the chosen builder, and
 * {@link Estimator#fit} on the workers, exactly as a program using the Estimator would.
 */
public final class Training {
  private Training() {}

  /** What a fit leaves: the trained network (an Orca model file) and its history. */
  public record Result(byte[] network, int inputWidth, int outputWidth, TrainingHistory history) {}

  /** How a stage trains a network of a given output width: loss and metrics for it. */
  public interface Objective {
    /** The output width the builder is asked for, given the label block's width. */
    int outputWidth(int labelWidth);

    /** Fails unless {@code width} (what the builder made) suits the stage and the labels. */
    void checkOutput(int width, int labelWidth, String architecture);

    Loss loss(int outputWidth);

    Metric[] metrics(int outputWidth);
  }

  public static Result fit(
      Dataset<Row> df,
      List<String> features,
      List<String> labels,
      HasTrainingParams<?> p,
      Objective objective) {
    String indicator = p.getValidationIndicatorCol();
    Dataset<Row> train = df;
    XShards validation = null;
    if (!indicator.isEmpty()) {
      if (!List.of(df.columns()).contains(indicator)
          || !(df.schema().apply(indicator).dataType() instanceof BooleanType)) {
        throw new OrcaDataException(
            "validationIndicatorCol '"
                + indicator
                + "' must be a boolean column of the data; its columns are "
                + List.of(df.schema().fields()).stream()
                    .map(f -> f.name() + ": " + f.dataType().simpleString())
                    .toList());
      }
      train = df.where(not(col(quote(indicator))));
      validation = XShards.fromDataFrame(df.where(col(quote(indicator))), features, labels);
    }
    if (p.getEarlyStoppingPatience() > 0 && validation == null) {
      throw new OrcaConfigurationException(
          "earlyStoppingPatience "
              + p.getEarlyStoppingPatience()
              + " needs validation rows: set validationIndicatorCol to a boolean column");
    }
    XShards data = XShards.fromDataFrame(train, features, labels);
    int inputWidth = Shard.featureWidth(data.schema()).getAsInt();
    int labelWidth = Shard.labelWidth(data.schema()).getAsInt();
    int outputWidth = objective.outputWidth(labelWidth);
    String architecture = p.getArchitecture();
    Model network = Architectures.get(architecture).build(inputWidth, outputWidth, p.getSeed());
    int built = network.outputShapes()[0].size();
    try {
      objective.checkOutput(built, labelWidth, architecture);
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
    FitConfig.Builder config =
        FitConfig.builder()
            .setEpochs(p.getMaxEpoch())
            .setBatchSize(p.getBatchSize())
            .optSeed(p.getSeed());
    if (validation != null) {
      config.optValidation(validation);
    }
    if (p.getEarlyStoppingPatience() > 0) {
      config.optEarlyStopping(EarlyStopping.of("val_loss", p.getEarlyStoppingPatience()));
    }
    Estimator est;
    try {
      est =
          Estimator.builder()
              .setModel(network)
              .setLoss(objective.loss(built))
              .setOptimizer(optimizer(p.getOptimizer(), p.getLearningRate()))
              .optMetrics(objective.metrics(built))
              .optBackend(Backend.parse(p.getBackend()))
              .optWorkers(p.getWorkers())
              .optCoresPerWorker(p.getCoresPerWorker())
              .build();
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
    try (est) {
      TrainingHistory history = est.fit(data, config.build());
      return new Result(est.getModel().toBytes(), inputWidth, built, history);
    }
  }

  private static Optimizer optimizer(String name, double learningRate) {
    return switch (name) {
      case "adam" -> new Adam(learningRate);
      case "adamw" -> new AdamW(learningRate);
      case "sgd" -> new Sgd(learningRate);
      case "adagrad" -> new Adagrad(learningRate);
      default ->
          throw new OrcaConfigurationException(
              "unknown optimizer '"
                  + name
                  + "'; use "
                  + String.join(", ", TrainingParams.OPTIMIZERS));
    };
  }

  private static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }
}
