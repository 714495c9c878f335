/**
 * Knowledge distillation ({@link dev.nncj.train.distill.Distiller}, {@code nncj distill}): its losses
 * (soft targets, hidden states, attention), the teacher ensemble, students derived from a teacher, and
 * {@link dev.nncj.train.distill.DistillationRecovery}, the one way a compressed classifier is trained back.
 */
package dev.nncj.train.distill;
