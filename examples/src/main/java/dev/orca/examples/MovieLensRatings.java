package dev.orca.examples;

import dev.orca.OrcaConfigurationException;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads MovieLens rating files into a DataFrame {@code (user_id int, movie_id int, rating float,
 * timestamp long)}, in the two formats GroupLens publishes:
 *
 * <ul>
 *   <li>{@code ratings.dat} (MovieLens 1M, 10M): {@code UserID::MovieID::Rating::Timestamp}, no
 *       header;
 *   <li>{@code ratings.csv} (MovieLens 20M, 25M, 32M, latest): {@code
 *       userId,movieId,rating,timestamp} with that header line.
 * </ul>
 *
 * The format is chosen by the file name's extension; a line that does not parse fails the read.
 */
public final class MovieLensRatings {
  /** The columns of the DataFrame {@link #read} returns. */
  public static final StructType SCHEMA =
      new StructType()
          .add("user_id", DataTypes.IntegerType, false)
          .add("movie_id", DataTypes.IntegerType, false)
          .add("rating", DataTypes.FloatType, false)
          .add("timestamp", DataTypes.LongType, false);

  /** The two file formats. */
  public enum Format {
    /** {@code ::}-separated, no header: MovieLens 1M and 10M. */
    DOUBLE_COLON(".dat"),
    /** Comma-separated with a header line: MovieLens 20M, 25M, 32M and latest. */
    CSV(".csv");

    private final String extension;

    Format(String extension) {
      this.extension = extension;
    }

    public String extension() {
      return extension;
    }

    /** The format of a file, by its extension. */
    public static Format of(String path) {
      String p = path.toLowerCase(Locale.ROOT);
      for (Format f : values()) {
        if (p.endsWith(f.extension)) {
          return f;
        }
      }
      throw new OrcaConfigurationException(
          "cannot tell the MovieLens format of "
              + path
              + ": give a ratings.dat"
              + " (UserID::MovieID::Rating::Timestamp) or a ratings.csv (userId,movieId,rating,timestamp)");
    }
  }

  private MovieLensRatings() {}

  /**
   * The ratings of the file at {@code path} (any path Spark reads), in the format its extension
   * names.
   */
  public static Dataset<Row> read(SparkSession spark, String path) {
    Format format = Format.of(path);
    // the CSV header's own names (Spark warns when a header differs from the schema), renamed after
    StructType schema = format == Format.CSV ? renamed(SCHEMA, header(format).split(",")) : SCHEMA;
    return spark
        .read()
        .schema(schema)
        .option("mode", "FAILFAST")
        .option("sep", format == Format.DOUBLE_COLON ? "::" : ",")
        .option("header", format == Format.CSV)
        .csv(path)
        .toDF(SCHEMA.fieldNames());
  }

  private static StructType renamed(StructType schema, String[] names) {
    StructType out = new StructType();
    for (int i = 0; i < names.length; i++) {
      out = out.add(names[i], schema.fields()[i].dataType(), schema.fields()[i].nullable());
    }
    return out;
  }

  /** One rating as a line of {@code format} (for writers of such files). */
  public static String line(Format format, int user, int movie, float rating, long timestamp) {
    String sep = format == Format.DOUBLE_COLON ? "::" : ",";
    String r =
        rating == Math.rint(rating) ? Integer.toString((int) rating) : Float.toString(rating);
    return user + sep + movie + sep + r + sep + timestamp;
  }

  /** The header line of {@code format}, or null if it has none. */
  public static String header(Format format) {
    return format == Format.CSV ? "userId,movieId,rating,timestamp" : null;
  }
}
