// A modal dialog on the native <dialog>: showModal() gives focus containment, Escape to close,
// an inert page behind and focus returned to the opener on close, all from the browser.
// Content renders only while open; an element marked data-autofocus gets the first focus.
// `variant="drawer"` slides it in from the side.

import { useEffect, useId, useRef, type ReactElement, type ReactNode } from 'react';

export function Dialog(props: {
  readonly open: boolean;
  readonly title: ReactNode;
  readonly onClose: () => void;
  readonly children: ReactNode;
  readonly variant?: 'modal' | 'drawer';
  /** A sentence under the title that describes the dialog (aria-describedby). */
  readonly description?: ReactNode;
}): ReactElement {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();
  const { open } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) {
      return;
    }
    if (open && !dialog.open) {
      if (typeof dialog.showModal === 'function') {
        dialog.showModal();
      } else {
        dialog.setAttribute('open', '');
      }
      // The browser focuses the first focusable element (Close); a dialog may name a better start.
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={props.variant === 'drawer' ? 'dialog drawer' : 'dialog'}
      aria-labelledby={titleId}
      aria-describedby={props.description === undefined ? undefined : descId}
      onClose={props.onClose}
    >
      {open ? (
        <>
          <div className="dialog-head">
            <h2 id={titleId}>{props.title}</h2>
            <button type="button" onClick={props.onClose}>
              Close
            </button>
          </div>
          {props.description === undefined ? null : (
            <p id={descId} className="muted">
              {props.description}
            </p>
          )}
          <div className="dialog-body">{props.children}</div>
        </>
      ) : null}
    </dialog>
  );
}
