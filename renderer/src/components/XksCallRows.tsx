// The rows an audit record of an XKS proxy API call adds to the record drawer: the AWS principal
// AWS KMS acted for, the KMS operation behind the call, AWS's request id (to find the CloudTrail
// entry), the KMS key's ARN in AWS and the AWS service that called KMS.

import type { ReactElement } from 'react';
import type { XksCall } from '../lib/audit.ts';

const ROWS: ReadonlyArray<readonly [keyof XksCall, string]> = [
  ['awsPrincipalArn', 'AWS principal'],
  ['kmsOperation', 'KMS operation'],
  ['kmsViaService', 'Via AWS service'],
  ['kmsKeyArn', 'KMS key in AWS'],
  ['kmsRequestId', 'KMS request ID'],
];

export function XksCallRows(props: { readonly call: XksCall }): ReactElement {
  return (
    <>
      {ROWS.filter(([field]) => props.call[field] !== undefined).map(([field, label]) => (
        <div className="row" key={field}>
          <dt>{label}</dt>
          <dd className="mono small">{props.call[field]}</dd>
        </div>
      ))}
    </>
  );
}
