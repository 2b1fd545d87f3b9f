/**
 * The root of every error Orca raises on purpose, {@link dev.orca.OrcaException}, and its
 * subclasses by area: {@link dev.orca.OrcaConfigurationException} (a setting), {@link
 * dev.orca.OrcaDataException} (the data), {@link dev.orca.TrainingException} (training failed or
 * diverged). One catch clause covers the engine, the data path, the launcher and training.
 */
package dev.orca;
