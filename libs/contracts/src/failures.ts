/**
 * Failure types shared by activities, workflows and the API. The strings are stored in workflow
 * histories (as `ApplicationFailure.type`): never change them.
 *
 * Runs inside the workflow sandbox too: pure constants only.
 */

/**
 * An activity failed because of its data, not because a dependency was down: PostgreSQL refused
 * a value (a data exception such as an invalid byte sequence, SQLSTATE class 22) or a constraint
 * (class 23). Retrying the same input cannot succeed, so it is non-retryable: the workflow records
 * the failure, tells the coordinator, and goes on or fails cleanly.
 */
export const DATA_REJECTED = 'DataRejected';
