// A lane's name is the code of the group whose inbox gets its tasks (what the engine reads); the
// canvas shows the group's label instead, so designers read 网络部, not network_dept.
import BaseRenderer from 'diagram-js/lib/draw/BaseRenderer';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const HIGHER_THAN_BPMN_RENDERER = 1500;

export default class LaneLabelRenderer extends BaseRenderer {
  constructor(eventBus, bpmnRenderer, sqflowCatalog) {
    super(eventBus, HIGHER_THAN_BPMN_RENDERER);
    this.bpmnRenderer = bpmnRenderer;
    this.labels = Object.fromEntries(sqflowCatalog.groups.map(group => [ group.name, group.label ]));
  }

  canRender(element) {
    const name = is(element, 'bpmn:Lane') ? (getBusinessObject(element).name || '').trim() : '';
    return Boolean(this.labels[name]);
  }

  drawShape(parentGfx, element) {
    const object = getBusinessObject(element);
    const code = object.name;
    object.name = this.labels[code.trim()];
    try {
      return this.bpmnRenderer.drawShape(parentGfx, element);
    } finally {
      object.name = code;
    }
  }

  getShapePath(shape) {
    return this.bpmnRenderer.getShapePath(shape);
  }
}

LaneLabelRenderer.$inject = [ 'eventBus', 'bpmnRenderer', 'sqflowCatalog' ];

export const LaneLabelModule = {
  __init__: [ 'laneLabelRenderer' ],
  laneLabelRenderer: [ 'type', LaneLabelRenderer ]
};
