package dev.orca.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchmarkArgsTest {
  private static final String USAGE = "Bench [rows=65536] [epochs=3] [modes=a,b] [--before=DIR]";

  private static BenchmarkArgs parse(String... args) {
    return BenchmarkArgs.parse(USAGE, args, "rows", "epochs", "modes", "--before");
  }

  @Test
  void valuesInTheOrderOfTheNames() {
    BenchmarkArgs a = parse("1000", "5", "embedded");
    assertEquals(1000, a.integer("rows", 65536));
    assertEquals(5, a.integer("epochs", 3));
    assertEquals("embedded", a.string("modes", "a,b"));
    assertEquals("x", a.string("--before", "x"), "not given");
  }

  @Test
  void namedValuesInAnyOrderAsTheUsageLinesWriteThem() {
    BenchmarkArgs a = parse("modes=local-cluster", "--before=/tmp/old", "epochs=7");
    assertEquals(65536, a.integer("rows", 65536), "the default where not given");
    assertEquals(7, a.integer("epochs", 3));
    assertEquals("local-cluster", a.string("modes", "a,b"));
    assertEquals("/tmp/old", a.string("--before", null));
  }

  @Test
  void aPositionalValueTakesTheFirstNameNotGivenByName() {
    BenchmarkArgs a = parse("rows=2_000_000", "4");
    assertEquals(2_000_000L, a.longInteger("rows", 1));
    assertEquals(4, a.integer("epochs", 3));
  }

  @Test
  void numbersAreNumbers() {
    assertEquals(4.6, parse("modes=4.6").number("modes", 2.0));
    assertEquals(
        -1e-3, parse("-1e-3").number("rows", 0), "a negative number is a value, not a name");
  }

  @Test
  void badArgumentsNameWhatIsWrongAndShowTheUsage() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parse("rows=many").integer("rows", 1));
    assertTrue(
        e.getMessage().startsWith("rows must be a whole number, got 'many'"), e.getMessage());
    assertTrue(e.getMessage().endsWith("usage: " + USAGE), e.getMessage());
    assertEquals(
        "rows must be positive, got '0'; usage: " + USAGE,
        assertThrows(IllegalArgumentException.class, () -> parse("0").integer("rows", 1))
            .getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> parse("row=5"))
            .getMessage()
            .startsWith("unknown argument 'row=5'"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> parse("--after=x"))
            .getMessage()
            .startsWith("unknown argument '--after=x'"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> parse("1", "2", "m", "extra"))
            .getMessage()
            .startsWith("one argument too many: 'extra'"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> parse("5", "rows=6"))
            .getMessage()
            .startsWith("rows is given twice ('5' and '6')"));
  }
}
