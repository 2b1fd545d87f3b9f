package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An example's command line: --help prints the options, a bad option a one-line error; never a
 * stack trace.
 */
class ExampleArgsTest {
  private static final String COMMAND = "bin/orca-run examples dev.orca.examples.DigitsExample";

  /** What runMain printed and returned, with {@code run} standing in for the example. */
  private record Outcome(int status, String out, String err) {}

  private static Outcome runMain(java.util.function.Function<String[], ?> run, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        DigitsExample.options()
            .runMain(
                DigitsExample.class,
                args,
                run,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static String lastLine(String text) {
    String[] lines = text.split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void helpPrintsEveryOptionWithItsDefaultAndDoesNotRunTheExample() {
    Outcome o =
        runMain(
            a -> {
              throw new AssertionError("the example must not run for --help");
            },
            "--epochs",
            "3",
            "--help");
    assertEquals(0, o.status());
    assertEquals("", o.err());
    assertTrue(
        o.out().startsWith("Usage: " + COMMAND + " [--option value]...\nOptions of digits:\n"),
        o.out());
    for (String line :
        List.of(
            "--out            folder for histories, charts, models (default examples/out/digits)",
            "--backend        where the training workers run: spark (barrier tasks) or ray (actors) (default spark)",
            "--epochs         epochs of the MLP (default 40)",
            "--batch          global batch size (over all workers) (default 64)",
            "--help           print these options and exit")) {
      assertTrue(o.out().contains("  " + line + "\n"), line + " missing from:\n" + o.out());
    }
    assertEquals(0, runMain(a -> "never", "-h").status());
  }

  @Test
  void aBadOptionPrintsTheUsageAndOneLineSayingWhatIsWrong() {
    Outcome typo = runMain(a -> "never", "--epoch", "3");
    assertEquals(2, typo.status());
    assertEquals("", typo.out());
    assertTrue(typo.err().startsWith("Usage: " + COMMAND), typo.err());
    assertEquals(
        "digits: unknown option '--epoch' (" + COMMAND + " --help lists the options)",
        lastLine(typo.err()));

    assertEquals(
        "digits: option --epochs needs a value (" + COMMAND + " --help lists the options)",
        lastLine(runMain(a -> "never", "--workers", "2", "--epochs").err()));
    // values are read by the example as it runs: a malformed one is reported the same way
    Outcome value =
        runMain(a -> DigitsExample.options().parse(a).integer("epochs"), "--epochs", "ten");
    assertEquals(2, value.status());
    assertEquals(
        "digits: --epochs must be a positive whole number, got 'ten' ("
            + COMMAND
            + " --help lists the options)",
        lastLine(value.err()));
  }

  @Test
  void aSettingTheLibraryRefusesIsOneLineToo() {
    Outcome backend =
        runMain(
            a ->
                dev.orca.estimator.Backend.parse(
                    DigitsExample.options().parse(a).string("backend")),
            "--backend",
            "foo");
    assertEquals(2, backend.status());
    assertEquals("", backend.out());
    assertEquals(
        "Unknown backend 'foo': use 'spark' or 'ray'. (" + COMMAND + " --help lists the options)",
        backend.err().trim());
  }

  @Test
  void goodOptionsRunTheExampleAndPrintItsResult() {
    Outcome o =
        runMain(
            a -> "ran with " + DigitsExample.options().parse(a).integer("epochs") + " epochs",
            "--epochs",
            "3");
    assertEquals(new Outcome(0, "ran with 3 epochs\n", ""), o);
  }

  @Test
  void theExamplesMainExitsWithStatus0ForHelpAnd2ForATypoWithoutAStackTrace(@TempDir Path dir)
      throws Exception {
    Outcome help = java(dir, "--help");
    assertEquals(0, help.status(), help.toString());
    assertTrue(help.out().startsWith("Usage: " + COMMAND), help.out());
    assertEquals("", help.err());

    Outcome typo = java(dir, "--epoch", "3");
    assertEquals(2, typo.status(), typo.toString());
    assertEquals("", typo.out());
    assertFalse(typo.err().contains("Exception") || typo.err().contains("\tat "), typo.err());
    assertEquals(
        "digits: unknown option '--epoch' (" + COMMAND + " --help lists the options)",
        lastLine(typo.err()));
  }

  /** DigitsExample's main in a JVM of its own (the options are read before anything starts). */
  private static Outcome java(Path dir, String... args) throws Exception {
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                DigitsExample.class.getName()));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    assertTrue(
        p.waitFor(2, TimeUnit.MINUTES), "the example did not end: " + String.join(" ", command));
    return new Outcome(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
