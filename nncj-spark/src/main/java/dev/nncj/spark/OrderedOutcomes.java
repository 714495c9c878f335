package dev.nncj.spark;

import dev.nncj.NncjException;
import java.io.Serializable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkException;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * A job's outcomes as its tasks finish, in any order, taken by the search's thread in candidate
 * order: candidate i is handed on as soon as candidates 0..i are done, not when the whole job is,
 * so a driver killed mid-job keeps in its journal every candidate of the finished prefix. Spark
 * calls {@link #handler} on its scheduler's thread, which only stores the outcome: journaling and
 * listeners run on the search's thread.
 */
final class OrderedOutcomes {
    private final CandidateOutcome[] slots;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();

    OrderedOutcomes(int size) {
        this.slots = new CandidateOutcome[size];
    }

    /** Spark's result handler: (partition index, outcome). */
    AbstractFunction2<Object, CandidateOutcome, BoxedUnit> handler() {
        return new AbstractFunction2<>() {
            @Override
            public BoxedUnit apply(Object index, CandidateOutcome outcome) {
                lock.lock();
                try {
                    slots[(Integer) index] = outcome;
                    arrived.signalAll();
                } finally {
                    lock.unlock();
                }
                return BoxedUnit.UNIT;
            }
        };
    }

    /**
     * Waits for candidate {@code index}'s outcome, as long as the job runs (a candidate may take an
     * hour); if the job ends without it, the job failed and that failure is thrown.
     */
    CandidateOutcome await(int index, SimpleFutureAction<?> job) throws InterruptedException {
        lock.lock();
        try {
            while (slots[index] == null) {
                if (job.isCompleted()) {
                    break;
                }
                // the job's end does not signal us: look again every so often
                arrived.await(200, TimeUnit.MILLISECONDS);
            }
            if (slots[index] != null) {
                return slots[index];
            }
        } finally {
            lock.unlock();
        }
        try {
            job.get();
        } catch (SparkException e) {
            throw new NncjException("the Spark job evaluating the candidates failed: " + e.getMessage(), e);
        }
        throw new IllegalStateException("the Spark job ended without candidate " + index + "'s result");
    }

    /** The task's result: the one outcome its one-candidate partition holds. */
    static final class OnlyOutcome extends AbstractFunction1<Iterator<CandidateOutcome>, CandidateOutcome>
            implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public CandidateOutcome apply(Iterator<CandidateOutcome> partition) {
            return partition.next();
        }
    }
}
