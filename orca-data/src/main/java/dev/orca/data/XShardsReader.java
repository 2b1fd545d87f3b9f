package dev.orca.data;

import dev.orca.arrow.ConversionOptions;
import dev.orca.data.internal.Sessions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Reads files into XShards through Spark's readers, with Spark's options ({@code header}, {@code
 * delimiter}, {@code multiLine}, ...). For CSV without a schema, column types are inferred ({@code
 * inferSchema=true}) unless an option says otherwise, so numeric columns arrive as numbers.
 *
 * <pre>{@code
 * XShards digits = XShards.read().option("delimiter", ";").option("header", "true")
 *     .csv("data/digits.csv", featureColumns, List.of("label"));
 * }</pre>
 */
public final class XShardsReader {
  private final Map<String, String> options = new LinkedHashMap<>();
  private StructType schema;
  private String ddl;
  private ConversionOptions conversion = ConversionOptions.defaults();

  XShardsReader() {}

  /** A Spark reader option. */
  public XShardsReader option(String key, String value) {
    options.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
    return this;
  }

  public XShardsReader options(Map<String, String> more) {
    more.forEach(this::option);
    return this;
  }

  /** The schema of the files, instead of inferring it. */
  public XShardsReader schema(StructType schema) {
    this.schema = Objects.requireNonNull(schema, "schema");
    this.ddl = null;
    return this;
  }

  /** The schema as a DDL string, e.g. {@code "x DOUBLE, y DOUBLE, label INT"}. */
  public XShardsReader schema(String ddl) {
    this.ddl = Objects.requireNonNull(ddl, "ddl");
    this.schema = null;
    return this;
  }

  /** How rows become shards (batch size, null policy, kept columns). */
  public XShardsReader conversion(ConversionOptions options) {
    this.conversion = Objects.requireNonNull(options, "options");
    return this;
  }

  public XShards csv(String path, List<String> featureCols, List<String> labelCols) {
    DataFrameReader reader = reader();
    if (schema == null && ddl == null && !options.containsKey("inferSchema")) {
      reader.option("inferSchema", "true");
    }
    return convert(reader.csv(path), featureCols, labelCols);
  }

  public XShards parquet(String path, List<String> featureCols, List<String> labelCols) {
    return convert(reader().parquet(path), featureCols, labelCols);
  }

  public XShards json(String path, List<String> featureCols, List<String> labelCols) {
    return convert(reader().json(path), featureCols, labelCols);
  }

  private DataFrameReader reader() {
    DataFrameReader reader = Sessions.spark().read().options(options);
    if (schema != null) {
      reader.schema(schema);
    } else if (ddl != null) {
      reader.schema(ddl);
    }
    return reader;
  }

  private XShards convert(Dataset<Row> df, List<String> featureCols, List<String> labelCols) {
    return XShards.fromDataFrame(df, featureCols, labelCols, conversion);
  }
}
