/**
 * Puts a modal dialog on the page and returns its close; the cancel button and Esc close it too,
 * and a closed dialog leaves the page.
 */
export function openModal(dialog: HTMLDialogElement, cancel: HTMLButtonElement): () => void {
  const close = () => {
    dialog.close()
    dialog.remove()
  }
  cancel.addEventListener('click', close)
  // Esc closes the dialog natively; take it off the page as well.
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  return close
}
