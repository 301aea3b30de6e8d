import { describe, expect, it } from 'vitest'
import { chooseColumn, columnsUsedTwice, fieldMapForm, fieldMapOf, fieldMapToSend } from './fieldMap'

const columns = ['网格编码', '网格名称', '户数', '人口', '备注']

describe('field map form', () => {
  it('starts from the server suggestion, one entry per gridwork field of the type', () => {
    const form = fieldMapForm('grids', columns, { code: '网格编码', name: '网格名称', households: '户数' })
    expect(form.fields).toEqual(['code', 'name', 'households', 'population', 'kind', 'grid_head', 'count_date'])
    expect(fieldMapOf(form)).toEqual({ code: '网格编码', name: '网格名称', households: '户数' })
  })

  it('drops a suggested column the file does not have', () => {
    expect(fieldMapOf(fieldMapForm('grids', columns, { code: '编码' }))).toEqual({})
  })

  it('keeps what the person chose (and cleared) across a new preview, where the column still exists', () => {
    let form = fieldMapForm('grids', columns, { code: '网格编码', households: '户数' })
    form = chooseColumn(form, 'population', '人口')
    form = chooseColumn(form, 'households', '')
    const again = fieldMapForm('grids', columns, { code: '网格编码', households: '户数' }, form)
    expect(fieldMapOf(again)).toEqual({ code: '网格编码', population: '人口' })
    // The file read another way (another layer) lacks 人口: that choice goes, the suggestion holds.
    const other = fieldMapForm('grids', ['网格编码', '户数'], { code: '网格编码', households: '户数' }, again)
    expect(fieldMapOf(other)).toEqual({ code: '网格编码' })
  })

  it('sends null for a field the person cleared, and keeps a field the server remembered as cleared cleared', () => {
    let form = fieldMapForm('grids', columns, { code: '网格编码', households: '户数' })
    form = chooseColumn(form, 'households', '')
    expect(fieldMapToSend(form)).toEqual({ code: '网格编码', households: null })
    const remembered = fieldMapForm('grids', columns, { code: '网格编码', households: null })
    expect(remembered.chosen.households).toBe('')
    expect(fieldMapToSend(remembered)).toEqual({ code: '网格编码', households: null })
    expect(fieldMapToSend(chooseColumn(remembered, 'households', '户数'))).toEqual({ code: '网格编码', households: '户数' })
  })

  it('refuses a column the file lacks and reports a column used twice', () => {
    let form = fieldMapForm('buildings', columns, {})
    form = chooseColumn(form, 'address', '不存在')
    expect(fieldMapOf(form)).toEqual({})
    form = chooseColumn(chooseColumn(form, 'address', '备注'), 'name', '备注')
    expect(columnsUsedTwice(form)).toEqual(['备注'])
    expect(fieldMapOf(form)).toEqual({ address: '备注', name: '备注' })
  })
})
