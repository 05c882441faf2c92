// <Gadget module extension/>: a dashboard gadget (jira:dashboardGadget) on the dashboard,
// with its edit view as Forge has it (docs/ui.md "Custom UI"): a gadget whose manifest has
// `edit: {resource, render?}` shows an Edit button to the site's administrators; Edit draws
// the edit resource (extension.entryPoint "edit"), whose view.submit(config) saves the
// gadget's configuration on the server (the bridge's gadgetConfig op, CustomUiFrame's
// `gadgetEdit`) and goes back to the view, made again so its context carries the new
// extension.gadgetConfiguration; view.close() goes back without saving.
import React, { useMemo, useState } from 'react';
import { boot } from '../boot.js';
import { Icon, ModuleContent, moduleKey, moduleTitle } from './AppModule.jsx';

export function Gadget({ module, extension }) {
  const [editing, setEditing] = useState(false);
  const [generation, setGeneration] = useState(0);
  const edit = module.edit && typeof module.edit.resource === 'string' ? module.edit : null;
  const editModule = useMemo(
    () => (edit ? { ...module, render: edit.render === 'native' ? 'native' : 'custom' } : null),
    [module, edit],
  );
  const gadgetEdit = useMemo(
    () => ({
      onSave: () => {
        setEditing(false);
        setGeneration((g) => g + 1);
      },
      onCancel: () => setEditing(false),
    }),
    [],
  );
  return (
    <section className="kiln-module kiln-panel kiln-gadget" data-testid="module" data-module={moduleKey(module)}>
      <h3 className="kiln-module-title">
        <Icon module={module} />
        {moduleTitle(module)}
        {edit && boot.isAdmin && !editing && (
          <button type="button" className="kiln-gadget-edit" onClick={() => setEditing(true)} data-testid="gadget-edit">
            Edit
          </button>
        )}
      </h3>
      {editing ? (
        <div data-testid="gadget-editing">
          <ModuleContent module={editModule} extension={{ ...extension, entryPoint: 'edit' }} gadgetEdit={gadgetEdit} />
        </div>
      ) : (
        <ModuleContent key={generation} module={module} extension={extension} />
      )}
    </section>
  );
}

export default Gadget;
